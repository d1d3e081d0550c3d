#!/usr/bin/env python3
"""web.test.sh's checks of `lookout web`.

  check_web.py page URL SHOT HEAD       the page in headless Chromium (DevTools protocol): frame, labels,
                                        charts and head shown; a screenshot; then a hostile event and a
                                        marker event written after the page loaded appear in it, escaped
  check_web.py token URL TOKEN          401 without the token; Bearer, ?token= (sets the cookie) and the cookie pass
  check_web.py hostile HOST PORT MAX TOKEN   oversized, malformed and non-GET requests refused; connections beyond
                                        MAX get 503; a client that sends nothing is dropped; still serving after

Every wait is on a condition with a generous bound (a board 10x slower passes)."""
import asyncio, base64, json, os, socket, subprocess, sys, time, urllib.error, urllib.request

BOUND = 600


def fail(message):
    print(f"web check: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=BOUND) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


class Browser:
    """One page in a headless Chromium, driven over the DevTools protocol."""

    def __init__(self, ws):
        self.ws, self.next_id, self.events = ws, 0, []

    async def call(self, method, **params):
        self.next_id += 1
        ident = self.next_id
        await self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(await self.ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    fail(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    async def value(self, expression):
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            fail(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def until(self, what, expression):
        start = time.monotonic()
        # False until the page has what it needs (also while it is still loading).
        while not await self.value(f"(() => {{ try {{ return !!({expression}); }} catch (e) {{ return false; }} }})()"):
            if time.monotonic() - start > BOUND:
                fail(f"timed out after {BOUND} s waiting for {what}")
            await asyncio.sleep(0.2)
        print(f"  page: {what}")


async def page(url, shot, head):
    import websockets
    profile = os.path.join(os.environ["W"], "chromium")
    chromium = subprocess.Popen(
        ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-debugging-port=0",
         f"--user-data-dir={profile}", "--window-size=1200,1000", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(os.environ["W"], "chromium.log"), "w"))
    with open(os.path.join(os.environ["W"], "chromium.pid"), "w") as f:
        f.write(str(chromium.pid))
    try:
        port_file, start = os.path.join(profile, "DevToolsActivePort"), time.monotonic()
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            if time.monotonic() - start > BOUND or chromium.poll() is not None:
                fail("chromium did not start (chromium.log)")
            await asyncio.sleep(0.2)
        port = open(port_file).read().split()[0]
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=BOUND).read())
        target = next(t for t in targets if t["type"] == "page")
        async with websockets.connect(target["webSocketDebuggerUrl"], max_size=64 << 20, open_timeout=BOUND) as ws:
            b = Browser(ws)
            await b.call("Page.enable")
            await b.call("Page.navigate", url=url)
            await b.until("the frame shown", "document.getElementById('frame').dataset.loaded === '1' && "
                          "document.getElementById('frame').naturalWidth > 0")
            await b.until("the frame's labels", "document.querySelectorAll('#frame-labels li').length > 0")
            await b.until("the fps chart", "document.querySelectorAll('#chart-fps polyline').length === 1")
            await b.until("the CPU chart (use and budget)", "document.querySelectorAll('#chart-cpu polyline').length === 2")
            await b.until("the temperature chart", "document.querySelectorAll('#chart-temp polyline').length === 1")
            await b.until("recent events", "document.querySelectorAll('#events li').length > 0")
            await b.until("the active labels", "document.querySelectorAll('#active li').length > 0")
            await b.until(f"the head {head} with its report link",
                          f"document.getElementById('head').textContent === {json.dumps(head)} && !document.getElementById('report').hidden")
            await b.until("the event stream live", "document.getElementById('status').textContent === 'live'")
            shot_data = await b.call("Page.captureScreenshot", format="png")
            os.makedirs(os.path.dirname(shot), exist_ok=True)
            with open(shot, "wb") as f:
                f.write(base64.b64decode(shot_data["data"]))
            print(f"  page: screenshot {shot}")
            # A hostile event and a marker, written now that the page has loaded: both must arrive live.
            hostile = "<script>window.pwned=1</script><img src=x onerror=window.pwned=2>\x01\x1b[31m"
            for label in [hostile, "web-marker"]:
                subprocess.run(["python3", os.path.join(os.path.dirname(__file__), "journal_entry.py"), "LOOKOUT_EVENT=started",
                                "LOOKOUT_CAMERA=/dev/video9", f"LOOKOUT_LABEL={label}", "LOOKOUT_CONFIDENCE=0.9", "MESSAGE=odd"], check=True)
            await b.until("the marker event arriving after load", "[...document.querySelectorAll('#events li[data-live=\"1\"]')]"
                          ".some(li => li.dataset.label === 'web-marker')")
            await b.until("the hostile label shown as text", "[...document.querySelectorAll('#events li[data-live=\"1\"]')]"
                          f".some(li => li.dataset.label === {json.dumps(hostile)})")
            checks = await b.value("""({
                pwned: window.pwned === undefined ? null : window.pwned,
                scripts: document.querySelectorAll('script').length,
                images: document.querySelectorAll('img').length,
                escaped: document.getElementById('events').innerHTML.includes('&lt;script&gt;window.pwned=1&lt;/script&gt;'),
                active: [...document.querySelectorAll('#active li')].some(li => li.textContent.includes('<script>')),
            })""")
            if checks != {"pwned": None, "scripts": 1, "images": 1, "escaped": True, "active": True}:
                fail(f"the hostile label was not kept as text: {checks}")
            dialogs = [e for e in b.events if e.get("method") == "Page.javascriptDialogOpening"]
            if dialogs:
                fail(f"a dialog opened: {dialogs}")
            print("  page: the hostile label is text (no script ran, no element made)")
    finally:
        chromium.terminate()
        chromium.wait()
        os.unlink(os.path.join(os.environ["W"], "chromium.pid"))


def token(url, secret):
    status, _, _ = get(url + "/")
    if status != 401:
        fail(f"no token: {status}, not 401")
    for path in ["/state", "/frame.jpg", "/events", "/app.js"]:
        status, _, _ = get(url + path, {"Authorization": "Bearer wrong-token-0123456789"})
        if status != 401:
            fail(f"{path} with a wrong token: {status}, not 401")
    status, _, body = get(url + "/state", {"Authorization": f"Bearer {secret}"})
    if status != 200 or "items" not in json.loads(body):
        fail(f"Bearer token: {status}")
    status, headers, _ = get(url + f"/?token={secret}")
    cookie = headers.get("Set-Cookie", "")
    if status != 200 or not cookie.startswith(f"lookout_token={secret};") or "HttpOnly" not in cookie:
        fail(f"?token=: {status}, cookie {cookie!r}")
    status, _, _ = get(url + "/state", {"Cookie": cookie.split(";")[0]})
    if status != 200:
        fail(f"the cookie: {status}")
    print("  token: 401 without it; Bearer, ?token= (sets an HttpOnly cookie) and the cookie pass")


def raw(host, port, data, timeout=BOUND):
    s = socket.create_connection((host, port), timeout=timeout)
    s.sendall(data)
    out = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        out += chunk
    s.close()
    return out


def hostile(host, port, most, secret):
    port, most, auth = int(port), int(most), f"Authorization: Bearer {secret}\r\n".encode()
    cases = [(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n", b" 431 "),
             (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(100)) + b"\r\n", b" 431 "),
             (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", b" 400 "),
             (b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", b" 405 "),
             (b"DELETE /frame.jpg HTTP/1.1\r\n\r\n", b" 405 "),
             (b"GET /../../etc/passwd HTTP/1.1\r\n" + auth + b"\r\n", b" 404 ")]
    for request, expected in cases:
        answer = raw(host, port, request)
        if expected not in answer.split(b"\r\n")[0] + b" ":
            fail(f"{request[:40]!r}: {answer[:60]!r}, not{expected.decode()}")
    # Connections beyond the limit get 503 at once while the first ones dawdle.
    idle = [socket.create_connection((host, port), timeout=BOUND) for _ in range(most)]
    extra = raw(host, port, b"")
    if b" 503 " not in extra.split(b"\r\n")[0] + b" ":
        fail(f"connection {most + 1} of {most}: {extra[:60]!r}, not 503")
    # A client that sends nothing is dropped (408) once its time for the request head is up.
    start = time.monotonic()
    answer = idle[0].recv(4096)
    if b" 408 " not in answer.split(b"\r\n")[0] + b" ":
        fail(f"an idle client: {answer[:60]!r}, not 408")
    for s in idle:
        s.close()
    # Still serving once they have gone (a slot is freed when its thread ends: wait for it).
    start = time.monotonic()
    while True:
        status, _, body = get(f"http://{host}:{port}/state", {"Authorization": f"Bearer {secret}"})
        if status == 200:
            break
        if time.monotonic() - start > BOUND:
            fail(f"not serving after the hostile clients left: {status}")
        time.sleep(0.2)
    print(f"  hostile: 431 (long line, many headers), 400 (not HTTP), 405 (POST, DELETE), 404 (..); "
          f"connection {most + 1} of {most}: 503; an idle client: 408; serving after")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "page":
        asyncio.run(page(*args))
    elif command == "token":
        token(*args)
    elif command == "hostile":
        hostile(*args)
    else:
        fail(f"unknown check {command}")
