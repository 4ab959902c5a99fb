#!/usr/bin/env python3
"""Drives Bulkhead's dashboard in headless Chromium (selenium + chromedriver), as people would.

Usage: dashboard_browser.py PHASE BASE_URL OUT_DIR [ARGS...]   (passwords come from the environment:
BULKHEAD_ANN_PASSWORD, BULKHEAD_BOB_PASSWORD; the driver from BULKHEAD_CHROMEDRIVER)

  walkthrough CAMPAIGN_NAME SUBSCRIBER HELD_ID   the author creates and previews a campaign, sees it
        needs an approval; the approver approves it; the author sends it and watches the live count
        reach the total; the approver releases held message HELD_ID as individual copies; the
        captured mail is opened. Saves the author's cookie to OUT_DIR/ann-cookie.json.
  stop CAMPAIGN_ID   with the saved cookie (the server restarted in between): sends CAMPAIGN_ID,
        waits until messages go out, presses Stop, checks the page says aborted within a second and
        that the count does not change afterwards.
  clean PATH...   logs in afresh and visits each PATH: no console error, no request to another origin.

Every page visited is saved as OUT_DIR/NN-name.png. Prints one JSON object of what it saw; exits 1
with the reason when something is not as a person would expect.
"""
import json
import os
import shutil
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.support.ui import Select, WebDriverWait

phase, base, out = sys.argv[1], sys.argv[2].rstrip("/"), sys.argv[3]
args = sys.argv[4:]
os.makedirs(out, exist_ok=True)
seen = {}
shots = [0]


def fail(reason):
    print(json.dumps({"failed": reason, "seen": seen}))
    sys.exit(1)


def browser():
    options = webdriver.ChromeOptions()
    # Debian's browser, named here: selenium must not go looking for (or downloading) another one.
    options.binary_location = os.environ.get("BULKHEAD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1600",
                 "--no-first-run", "--disable-extensions", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-default-apps", "--metrics-recording-only", "--no-default-browser-check"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(os.environ.get("BULKHEAD_CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)


driver = browser()
# Pages reload after each form: an element found just before may be gone when it is read.
IGNORED = [NoSuchElementException, StaleElementReferenceException]


def replaced(error):
    """Chromium 156 reports an element of a page that has just been replaced as an inspector error
    ("Node with given id does not belong to the document"), not as a stale element."""
    return isinstance(error, WebDriverException) and "does not belong to the document" in str(error)


class PageWait(WebDriverWait):
    """A wait whose condition may read an element of the page being replaced: that read counts as
    "not yet", like a stale element."""

    def until(self, method, message=""):
        def condition(d):
            try:
                return method(d)
            except WebDriverException as error:
                if replaced(error):
                    return False
                raise
        return super().until(condition, message)


wait = PageWait(driver, 20, ignored_exceptions=IGNORED)


def waiting(seconds):
    return PageWait(driver, seconds, ignored_exceptions=IGNORED)


def shot(name):
    shots[0] += 1
    driver.save_screenshot(os.path.join(out, "%02d-%s-%s.png" % (shots[0], phase, name)))


def text(element_id):
    # Read once the page has settled (an element of a page being replaced reads as "not yet").
    return wait.until(lambda d: (d.find_element(By.ID, element_id).text,))[0]


def log_in(user, password):
    driver.get(base + "/login")
    driver.find_element(By.ID, "user").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login").click()
    wait.until(lambda d: d.find_elements(By.ID, "logout"))


def log_out():
    driver.find_element(By.ID, "logout").click()
    wait.until(lambda d: d.find_elements(By.ID, "login"))


def count(key):
    return int(text("count-" + key))


try:
    if phase == "walkthrough":
        name, subscriber, held = args
        ann, bob = os.environ["BULKHEAD_ANN_PASSWORD"], os.environ["BULKHEAD_BOB_PASSWORD"]
        driver.get(base + "/")
        if "/login" not in driver.current_url:
            fail("an anonymous visit is not sent to the log-in page: " + driver.current_url)
        shot("login")
        log_in("ann", ann)
        shot("overview")
        # The author writes a campaign and previews it for one real subscriber.
        driver.find_element(By.ID, "new-campaign").click()
        driver.find_element(By.ID, "campaign-name").send_keys(name)
        Select(driver.find_element(By.ID, "campaign-list")).select_by_visible_text("news")
        driver.find_element(By.ID, "campaign-subject").send_keys("Spring offer for {{first_name}}")
        driver.find_element(By.ID, "campaign-text").send_keys("Hello {{first_name}},\nspring is here.\n{{unsubscribe_url}}\n{{postal_address}}")
        driver.find_element(By.ID, "campaign-html").send_keys("<p>Hello {{first_name}}, spring is here.</p>")
        shot("campaign-new")
        driver.find_element(By.ID, "create-campaign").click()
        wait.until(lambda d: d.find_elements(By.ID, "preview-subject"))
        campaign_url = driver.current_url.split("?")[0]
        seen["campaign"] = int(campaign_url.rsplit("/", 1)[1])
        field = driver.find_element(By.ID, "preview-recipient")
        field.clear()
        field.send_keys(subscriber)
        driver.find_element(By.ID, "preview").click()
        wait.until(lambda d: "Spring offer for" in d.find_element(By.ID, "preview-subject").text)
        seen["preview_subject"] = text("preview-subject")
        driver.switch_to.frame(driver.find_element(By.ID, "preview-html"))
        seen["preview_html"] = driver.find_element(By.TAG_NAME, "body").text
        driver.switch_to.default_content()
        seen["findings"] = [row.text for row in driver.find_elements(By.CSS_SELECTOR, "#findings tbody tr")]
        seen["requirements"] = text("requirements")
        if "approv" not in seen["requirements"]:
            fail("the campaign page does not say it needs an approval")
        shot("campaign-draft")
        driver.find_element(By.ID, "action-send").click()
        wait.until(lambda d: d.find_elements(By.ID, "problem"))
        seen["send_refused"] = text("problem")
        if "approv" not in seen["send_refused"]:
            fail("sending before the approval was not refused for that reason")
        shot("campaign-refused")
        log_out()
        # The approver sees what they approve and approves.
        log_in("bob", bob)
        driver.get(base + "/approvals")
        shot("approvals")
        driver.get(campaign_url)
        seen["fingerprint"] = text("fingerprint")
        driver.find_element(By.ID, "approval-comment").send_keys("checked the preview")
        driver.find_element(By.ID, "approve").click()
        wait.until(lambda d: "approved" in d.find_element(By.ID, "approval").text)
        seen["approval"] = text("approval")
        shot("campaign-approved")
        # The approver releases the held message as individual copies.
        driver.get(base + "/holds")
        shot("holds")
        driver.find_element(By.ID, "split-" + held).click()
        wait.until(lambda d: d.find_elements(By.ID, "notice"))
        seen["hold_notice"] = text("notice")
        shot("holds-released")
        log_out()
        # The author sends and watches the live count reach the total.
        log_in("ann", ann)
        driver.get(campaign_url)
        driver.find_element(By.ID, "action-send").click()
        wait.until(lambda d: d.find_elements(By.ID, "count-total") and d.find_element(By.ID, "count-total").text not in ("", "0"))
        total = int(text("count-total"))
        waiting(60).until(lambda d: count("sent") == total)
        seen["live_total"] = total
        seen["live_sent"] = count("sent")
        seen["state_after"] = text("state")
        shot("campaign-sent")
        driver.get(base + "/captured")
        waiting(30).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#captured a")) > 0)
        shot("captured")
        driver.find_elements(By.CSS_SELECTOR, "#captured a")[0].click()
        seen["captured_source_start"] = text("source")[:200]
        shot("captured-message")
        # The incident report of what just went out, in its frame, with its downloads.
        driver.get(campaign_url + "/incident")
        driver.switch_to.frame(driver.find_element(By.ID, "incident-report"))
        seen["incident_heading"] = driver.find_element(By.TAG_NAME, "h1").text
        driver.switch_to.default_content()
        shot("incident")
        # A CSV import with its progress bar and its per-row report.
        path = os.path.abspath("browser-import.csv")
        with open(path, "w") as handle:
            handle.write("email,name\n")
            for index in range(3000):
                handle.write("imported%d@rcpt.e2e.example,Imported %d\n" % (index, index))
                if index in (10, 2000):
                    handle.write("not-an-address,Broken\n")
        driver.get(base + "/lists")
        shot("lists")
        # Into the list already sent to (importing into the other would void its approval: +10 % audience).
        driver.find_element(By.XPATH, "//tr[td[1][starts-with(normalize-space(.), 'news')]]//a[text()='Import CSV']").click()
        driver.find_element(By.ID, "import-file").send_keys(path)
        driver.find_element(By.ID, "import-source").send_keys("trade fair sign-up sheet")
        shot("import-form")
        driver.find_element(By.ID, "import-start").click()
        waiting(60).until(lambda d: d.find_elements(By.ID, "import-report"))
        seen["import_report"] = text("import-report")
        seen["import_errors"] = [row.text for row in driver.find_elements(By.CSS_SELECTOR, "#import-errors tbody tr")]
        shot("import-done")
        # One person's history, found by address spelt differently.
        driver.get(base + "/lists")
        driver.find_element(By.ID, "search-address").send_keys(subscriber.upper())
        driver.find_element(By.ID, "search").click()
        waiting(20).until(lambda d: d.find_elements(By.ID, "consent"))
        seen["subscriber_consent"] = text("consent")
        shot("subscriber")
        driver.get(base + "/suppressions")
        shot("suppressions")
        # The drill on this configuration.
        driver.get(base + "/drill")
        driver.find_element(By.ID, "run-drill").click()
        waiting(240).until(lambda d: d.find_elements(By.ID, "drill-summary"))
        seen["drill_rows"] = len(driver.find_elements(By.CSS_SELECTOR, "#drill tbody tr"))
        seen["drill_summary"] = text("drill-summary")
        shot("drill")
        driver.get(base + "/")
        shot("overview-after")
        with open(os.path.join(out, "ann-cookie.json"), "w") as handle:
            json.dump(driver.get_cookie("bulkhead_session"), handle)

    elif phase == "stop":
        (campaign,) = args
        driver.get(base + "/login")
        with open(os.path.join(out, "ann-cookie.json")) as handle:
            cookie = json.load(handle)
        driver.add_cookie({k: cookie[k] for k in ("name", "value", "path", "httpOnly", "sameSite") if k in cookie})
        driver.get(base + "/campaigns/" + campaign)
        if not driver.find_elements(By.ID, "action-send"):
            fail("after the restart the saved session does not reach the campaign page: " + driver.current_url)
        driver.find_element(By.ID, "action-send").click()
        waiting(60).until(lambda d: count("sent") >= 20)
        shot("campaign-running")
        seen["sent_before_stop"] = count("sent")
        started = time.monotonic()
        driver.find_element(By.ID, "action-abort").click()
        wait.until(lambda d: d.find_element(By.ID, "state").text == "aborted")
        seen["stopped_after_seconds"] = round(time.monotonic() - started, 3)
        time.sleep(1.0)
        seen["sent_one_second_after_stop"] = count("sent")
        shot("campaign-stopped")
        time.sleep(3.0)
        seen["sent_four_seconds_after_stop"] = count("sent")
        seen["total"] = int(text("count-total"))
        driver.refresh()
        waiting(20).until(lambda d: d.find_elements(By.ID, "after-stop"))
        seen["after_stop"] = text("after-stop")
        seen["state"] = text("state")
        if seen["stopped_after_seconds"] > 1.0:
            fail("the page took more than a second to show the campaign stopped")
        if seen["sent_four_seconds_after_stop"] != seen["sent_one_second_after_stop"]:
            fail("messages kept going out after the stop")

    elif phase == "clean":
        log_in("ann", os.environ["BULKHEAD_ANN_PASSWORD"])
        driver.get_log("browser")
        driver.get_log("performance")
        for path in args:
            driver.get(base + path)
            time.sleep(1.0)
            shot("clean" + path.replace("/", "-"))
        log_out()
        errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
        requests = []
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                requests.append(message["params"]["request"]["url"])
        seen["console_errors"] = errors
        seen["requests"] = len(requests)
        seen["other_origins"] = sorted({url for url in requests if not (url.startswith(base + "/") or url.startswith("data:"))})
        if errors:
            fail("console errors: %s" % errors)
        if seen["other_origins"]:
            fail("requests to other origins: %s" % seen["other_origins"])
    else:
        fail("unknown phase " + phase)
except SystemExit:
    raise
except Exception as error:  # a page that is not as expected: say what and where
    try:
        shot("error")
    except Exception:
        pass
    fail("%s: %s at %s" % (type(error).__name__, error, driver.current_url))
finally:
    driver.quit()

print(json.dumps(seen))
