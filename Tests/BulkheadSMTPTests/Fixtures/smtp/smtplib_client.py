"""A real SMTP client for the server tests: Python's smtplib, driven by a list of steps.

Reads {"port": N, "cafile": PATH?, "steps": [[name, args...], ...]} on stdin and prints a JSON list
with one result per step. Steps:
  ["ehlo"]                        -> sorted ESMTP keywords
  ["starttls"]                    -> [code, text] (TLS verified against cafile, host name 127.0.0.1)
  ["login", user, password]       -> "ok" or the exception
  ["sendmail", from, [to...], message, [mail options]] -> {"refused": {...}} or the exception
  ["docmd", command, argument]    -> [code, text]
  ["send", text]                  -> null (text sent as raw bytes, latin-1, nothing added)
  ["getreply"]                    -> [code, text]
  ["quit"]                        -> [code, text]
"""
import json
import smtplib
import ssl
import sys


def describe(error):
    if isinstance(error, smtplib.SMTPResponseException):
        return {"error": type(error).__name__, "code": error.smtp_code, "text": error.smtp_error.decode("utf-8", "replace")}
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return {"error": type(error).__name__, "recipients": {k: [v[0], v[1].decode("utf-8", "replace")] for k, v in error.recipients.items()}}
    return {"error": type(error).__name__, "text": str(error)}


def main():
    request = json.load(sys.stdin)
    # 120 s: the server runs inside the test process, which shares two cores with the whole suite.
    client = smtplib.SMTP("127.0.0.1", request["port"], local_hostname="client.test", timeout=120)
    results = []
    for step in request["steps"]:
        name, args = step[0], step[1:]
        try:
            if name == "ehlo":
                client.ehlo()
                results.append(sorted(client.esmtp_features.keys()))
            elif name == "starttls":
                context = ssl.create_default_context(cafile=request["cafile"])
                code, text = client.starttls(context=context)
                results.append([code, text.decode()])
            elif name == "login":
                client.login(args[0], args[1])
                results.append("ok")
            elif name == "sendmail":
                refused = client.sendmail(args[0], args[1], args[2].encode("utf-8"), mail_options=args[3] if len(args) > 3 else [])
                results.append({"refused": {k: [v[0], v[1].decode()] for k, v in refused.items()}})
            elif name == "docmd":
                code, text = client.docmd(args[0], args[1] if len(args) > 1 else "")
                results.append([code, text.decode("utf-8", "replace")])
            elif name == "send":
                client.send(args[0].encode("latin-1"))
                results.append(None)
            elif name == "getreply":
                code, text = client.getreply()
                results.append([code, text.decode("utf-8", "replace")])
            elif name == "quit":
                code, text = client.quit()
                results.append([code, text.decode("utf-8", "replace")])
            else:
                raise ValueError("unknown step " + name)
        except (smtplib.SMTPException, OSError) as error:
            results.append(describe(error))
        except AttributeError as error:
            # smtplib dropped its socket after an earlier step failed: say so in this step's result
            # (the test then fails on it) instead of ending the script with a traceback.
            results.append({"error": "closed by an earlier step", "text": str(error)})
    print(json.dumps(results))


main()
