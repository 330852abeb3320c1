#!/usr/bin/env python3
"""Headless-Chromium test of the review console (issue 6).

Starts `bulwark demo`, drives the console in a real browser (Debian's chromium +
chromium-driver through selenium) and checks what a reviewer sees: sign-in, the
no-script content security policy, blurred grey media, a specialist's reveal that
shows the colour image and blurs it again by itself, the audit trail ("viewed by a
person"), the reveal budget, a decision, the CyberTipline draft (fileViewedByEsp),
sending it, and that a plain reviewer can neither see nor use a reveal.

Usage:
    python3 scripts/browser_test.py BIN [--out DIR]
    BIN   the bulwark binary, e.g. .build/debug/bulwark
    --out where the screenshots go (default build/browser-test)

Requirements (Debian + PyPI):
    apt-get install -y chromium chromium-driver
    pip install selenium pillow

Prints one "ok: ..." line per check and "browser-test: N passed, 0 failed" at the end;
on the first broken expectation prints "FAIL: ..." and exits 1.
"""

import argparse
import html
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from io import BytesIO

from PIL import Image, ImageStat
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
GREY_MAX_SATURATION = 12
COLOUR_MIN_SATURATION = 40


class Failure(Exception):
    pass


PASSED = []


def ok(message):
    PASSED.append(message)
    print("ok: " + message, flush=True)


def expect(condition, message):
    if not condition:
        raise Failure(message)


# ---------------------------------------------------------------- the demo server

class Demo:
    """`bulwark demo` on a free loopback port, its login links read from stdout."""

    def __init__(self, binary):
        self.binary = binary
        self.data_dir = tempfile.mkdtemp(prefix="bulwark-browser-")
        self.port = free_port()
        self.lines = []
        self.process = None
        self.logins = {}
        self.console = None

    def start(self, timeout=120):
        self.process = subprocess.Popen(
            [self.binary, "demo", "--port", str(self.port), "--data-dir", self.data_dir],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True)
        ready = threading.Event()

        def reader():
            for line in self.process.stdout:
                self.lines.append(line.rstrip("\n"))
                if "Serving until Ctrl-C." in line:
                    ready.set()
            ready.set()  # stdout closed: the process ended

        threading.Thread(target=reader, daemon=True).start()
        if not ready.wait(timeout) or self.process.poll() is not None:
            tail = "\n".join(self.lines[-20:])
            code = self.process.poll()
            why = f"exited with code {code}" if code is not None else f"did not print it within {timeout} s"
            raise Failure(f"bulwark demo never said 'Serving until Ctrl-C.': it {why}; last output:\n{tail}")
        for line in self.lines:
            match = re.match(r"\s*One-time login \((\w+)\): (\S+)", line)
            if match:
                self.logins[match.group(1)] = match.group(2)
            match = re.match(r"\s*Review console: (\S+)", line)
            if match:
                self.console = match.group(1)
        for role in ("specialist", "reviewer"):
            expect(role in self.logins, f"the demo printed no one-time login link for the {role}")
        expect(self.console, "the demo printed no 'Review console:' line")
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- plain HTTP with the browser's cookie

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def http(url, cookie, data=None):
    """(status, headers, body) of one request with the session cookie, redirects not followed."""
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode() if data is not None else None)
    if cookie:
        request.add_header("Cookie", "bulwark_session=" + cookie)
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


def session_cookie(driver):
    cookie = driver.get_cookie("bulwark_session")
    expect(cookie and cookie.get("value"), "the browser holds no bulwark_session cookie after signing in")
    return cookie["value"]


# ---------------------------------------------------------------- the browser

def new_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,2400"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


def find(driver, selector, what=None):
    try:
        return driver.find_element(By.CSS_SELECTOR, selector)
    except NoSuchElementException:
        raise Failure(f"{what or selector} not found on {driver.current_url} (title {driver.title!r})")


def absent(driver, selector):
    return not driver.find_elements(By.CSS_SELECTOR, selector)


def wait_for(driver, selector, what, timeout=15):
    try:
        return WebDriverWait(driver, timeout).until(lambda d: d.find_element(By.CSS_SELECTOR, selector))
    except TimeoutException:
        raise Failure(f"{what}: {selector} did not appear within {timeout} s on {driver.current_url} "
                      f"(title {driver.title!r}; page says: {page_text(driver)[:300]!r})")


def page_text(driver):
    try:
        return driver.find_element(By.TAG_NAME, "body").text
    except WebDriverException:
        return ""


def click_and_wait(driver, selector, what):
    """Clicks a submit button and waits for the next page to replace this one."""
    button = find(driver, selector, what)
    old = driver.find_element(By.TAG_NAME, "html")
    button.click()
    try:
        WebDriverWait(driver, 20).until(lambda d: is_stale(old))
    except TimeoutException:
        raise Failure(f"clicking {what} ({selector}) on {driver.current_url} loaded no new page")
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")


def is_stale(element):
    try:
        element.tag_name
        return False
    except WebDriverException:
        return True


def computed_filter(driver, element):
    return driver.execute_script("return getComputedStyle(arguments[0]).filter", element)


def screenshot(driver, out, name):
    png = driver.get_screenshot_as_png()
    with open(os.path.join(out, name), "wb") as f:
        f.write(png)
    return Image.open(BytesIO(png)).convert("RGB")


def mean_saturation(driver, shot, element, what):
    """Mean HSV saturation (0-255) of the element's box in a viewport screenshot."""
    rect = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return {x: r.left, y: r.top, w: r.width, h: r.height, dpr: window.devicePixelRatio};", element)
    dpr = rect["dpr"] or 1
    box = (round(rect["x"] * dpr), round(rect["y"] * dpr),
           round((rect["x"] + rect["w"]) * dpr), round((rect["y"] + rect["h"]) * dpr))
    expect(rect["w"] >= 8 and rect["h"] >= 8, f"{what} is only {rect['w']}x{rect['h']} px on the page")
    expect(box[0] >= 0 and box[1] >= 0 and box[2] <= shot.width and box[3] <= shot.height,
           f"{what} at {box} is not inside the {shot.width}x{shot.height} screenshot")
    crop = shot.crop(box).convert("HSV")
    return ImageStat.Stat(crop).mean[1]


def no_script(source, where):
    expect("<script" not in source.lower(), f"{where} contains '<script'")


# ---------------------------------------------------------------- the test

def run(demo, out):
    driver = new_driver()
    try:
        return run_with(driver, demo, out)
    finally:
        driver.quit()


def sign_in(driver, link, role):
    driver.get(link)
    click_and_wait(driver, "#sign-in", "the sign-in button")
    who = wait_for(driver, "#who", f"the {role}'s header after signing in").text
    expect(role in who.lower(), f"#who says {who!r} after signing in with the {role} link, not '{role}'")
    return who


def run_with(driver, demo, out):
    # 1. Sign in as the specialist.
    who = sign_in(driver, demo.logins["specialist"], "specialist")
    find(driver, "#queues", "the queues table (#queues)")
    ok(f"specialist signed in with the one-time link: #who = {who!r}, queues page shown")
    cookie = session_cookie(driver)

    # 2. Content security policy and no scripts.
    status, headers, body = http(demo.base + "/console", cookie)
    expect(status == 200, f"GET /console with the session cookie gave HTTP {status}")
    csp = headers.get("Content-Security-Policy")
    expect(csp, "GET /console has no Content-Security-Policy header")
    directives = {d.strip().split()[0]: d.strip() for d in csp.split(";") if d.strip()}
    expect("script-src" not in directives, f"the CSP has a script-src directive: {csp!r}")
    expect(directives.get("default-src") == "default-src 'none'", f"the CSP's default-src is not 'none': {csp!r}")
    no_script(body, "GET /console")
    no_script(driver.page_source, "the queues page in the browser")
    ok(f"/console carries CSP {csp!r} (default-src 'none', no script-src) and no <script")

    # 3. The case page, media blurred and grey.
    click_and_wait(driver, "#next-known-media", "'Work this queue' for known-media (#next-known-media)")
    match = re.search(r"/console/cases/(\d+)", driver.current_url)
    expect(match, f"#next-known-media led to {driver.current_url}, not a case page")
    case_id = match.group(1)
    case_url = f"{demo.base}/console/cases/{case_id}"
    for selector in ("#case-status", "#posts", "#accounts", "#evasion", "#list-hits", "#media", "#media-1",
                     "#decide-form", "#report-link"):
        find(driver, selector, f"{selector} on the case page")
    no_script(driver.page_source, f"case page {case_url}")
    wait_images(driver, "img.blurred")
    blurred = driver.find_elements(By.CSS_SELECTOR, "img.blurred")
    expect(blurred, f"no img.blurred on {case_url}")
    for image in blurred:
        name = image.get_attribute("id")
        value = computed_filter(driver, image)
        expect("blur" in value and "grayscale" in value, f"img#{name} has computed filter {value!r}, not grey+blur")
        size = driver.execute_script("return [arguments[0].naturalWidth, arguments[0].naturalHeight]", image)
        expect(size[0] > 0, f"img#{name} (the blurred preview) did not load")
        expect(max(size) <= 16, f"img#{name} (the blurred preview) is {size[0]}x{size[1]} px, not a few pixels")
    driver.execute_script("window.scrollTo(0, 0)")
    media_1 = find(driver, "#media-1 img", "the image of #media-1")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", media_1)
    shot = screenshot(driver, out, "1-case-blurred.png")
    saturation = mean_saturation(driver, shot, media_1, "#media-1's image")
    expect(saturation < GREY_MAX_SATURATION, f"#media-1 is not grey before a reveal: mean saturation {saturation:.1f}")
    viewed = find(driver, "#viewed-1").text
    expect(viewed.endswith("no"), f"#viewed-1 says {viewed!r} before any reveal")
    ok(f"case #{case_id} opened from known-media; {len(blurred)} img.blurred, each a tiny preview with grayscale+blur; "
       f"#media-1 mean saturation {saturation:.1f} (< {GREY_MAX_SATURATION}); #viewed-1 = 'no'")
    media_1_md5 = md5_of(driver, "#media-1")
    reveal_action = find(driver, "#reveal-1", "the reveal button #reveal-1").find_element(
        By.XPATH, "./ancestor::form").get_attribute("action")

    # 4. Reveal item 1.
    click_and_wait(driver, "#reveal-1", "the reveal button #reveal-1")
    revealed_at = time.monotonic()
    revealed = wait_for(driver, "img#revealed-1", "the revealed image after clicking #reveal-1")
    expect("revealed" in (revealed.get_attribute("class") or "").split(), "img#revealed-1 lacks class 'revealed'")
    try:
        WebDriverWait(driver, 5, poll_frequency=0.1).until(
            lambda d: d.execute_script("return arguments[0].complete", revealed))
    except TimeoutException:
        raise Failure("img#revealed-1 did not finish loading within 5 s")
    width = driver.execute_script("return arguments[0].naturalWidth", revealed)
    expect(width > 100, f"img#revealed-1 naturalWidth is {width} (not loaded; src {revealed.get_attribute('src')})")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", revealed)
    shot = screenshot(driver, out, "2-revealed.png")
    elapsed = time.monotonic() - revealed_at
    expect(elapsed < 2, f"the revealed screenshot took {elapsed:.1f} s after the page loaded (must be within 2 s)")
    saturation = mean_saturation(driver, shot, revealed, "img#revealed-1")
    expect(saturation > COLOUR_MIN_SATURATION,
           f"img#revealed-1 is not colourful right after the reveal: mean saturation {saturation:.1f}")
    no_script(driver.page_source, "the revealed case page")
    ok(f"reveal shows img#revealed-1 (naturalWidth {width}), screenshot after {elapsed:.1f} s, "
       f"mean saturation {saturation:.1f} (> {COLOUR_MIN_SATURATION})")

    # 5. It blurs itself again (CSS animation, no script).
    time.sleep(max(0.0, 9 - (time.monotonic() - revealed_at)))
    value = computed_filter(driver, revealed)
    expect("blur" in value, f"img#revealed-1 has computed filter {value!r} 9 s after the reveal, not blurred again")
    shot = screenshot(driver, out, "3-reblurred.png")
    saturation = mean_saturation(driver, shot, revealed, "img#revealed-1 after 9 s")
    expect(saturation < GREY_MAX_SATURATION, f"img#revealed-1 is not grey again after 9 s: mean saturation {saturation:.1f}")
    ok(f"after 9 s img#revealed-1 has filter {value!r}, mean saturation {saturation:.1f} (< {GREY_MAX_SATURATION})")

    # 4 (end). The reveal was audited: a fresh load (not the single-use reveal link) says viewed.
    driver.get(case_url)
    viewed = find(driver, "#viewed-1").text
    expect(viewed.strip().endswith("yes"), f"#viewed-1 says {viewed!r} on a fresh load of {case_url} after the reveal")
    expect(absent(driver, "img#revealed-1"), f"a fresh load of {case_url} still shows img#revealed-1")
    find(driver, "img#blurred-1", "img#blurred-1 on a fresh load after the reveal")
    ok("fresh load of the case: #viewed-1 = 'Viewed by a person: yes', item shown blurred again")

    # 6. Reveal budget.
    budget = find(driver, "#reveal-budget").text
    expect("1 of 20" in budget, f"#reveal-budget says {budget!r}, not '1 of 20'")
    ok(f"#reveal-budget = {budget!r}")

    # 10. Escaping: post text shows as text.
    texts = [element.text for element in driver.find_elements(By.CSS_SELECTOR, "#posts .post-text")]
    expect(any("vip-menu[.]example[.]net" in text for text in texts),
           f"no .post-text shows 'vip-menu[.]example[.]net'; post texts: {texts!r}")
    source = driver.page_source
    no_script(source, "the case page")
    ok(f"{len(texts)} .post-text shown as text, including 'vip-menu[.]example[.]net'; no <script in the page")

    # 7. Decide.
    find(driver, "#decision-confirm").click()
    reason = Select(find(driver, "#reason"))
    values = [option.get_attribute("value") for option in reason.options]
    expect("known_media" in values, f"#reason offers no 'known_media' (offers {values})")
    reason.select_by_value("known_media")
    bank = find(driver, "#bank-confirmed")
    if not bank.is_selected():
        bank.click()
    click_and_wait(driver, "#decide-submit", "the decision's submit button")
    path = urllib.parse.urlparse(driver.current_url).path
    expect(path.rstrip("/") == "/console", f"after deciding the browser is on {driver.current_url}, not the queues page")
    notice = wait_for(driver, "#notice", "the notice after deciding").text
    expect("confirmed" in notice.lower(), f"#notice after deciding says {notice!r}, not 'confirmed'")
    screenshot(driver, out, "4-decided.png")
    ok(f"decision confirm/known_media/bank recorded: #notice = {notice!r}")
    driver.get(case_url)
    status_text = find(driver, "#case-status").text
    expect("confirm" in status_text.lower(), f"#case-status of case #{case_id} after confirming is {status_text!r}")
    ok(f"case #{case_id} status now {status_text!r}")

    # 8. The report.
    report_url = case_url + "/report"
    driver.get(report_url)
    click_and_wait(driver, "#draft-report", "the draft button #draft-report")
    completeness = wait_for(driver, "#completeness", "the completeness score after drafting").text
    screenshot(driver, out, "5-report.png")
    expect(re.fullmatch(r"\d{1,3}%", completeness.strip()), f"#completeness says {completeness!r}, not 'NN%'")
    find(driver, "#findings")
    rows = driver.find_elements(By.CSS_SELECTOR, "#report-files tbody tr")
    expect(rows, "the #report-files table has no rows")
    cells = [find_in(row, ".viewed-by-esp").text.strip() for row in rows]
    expect(all(cell in ("true", "false") for cell in cells), f".viewed-by-esp cells are {cells}, not true/false")
    expect(cells.count("true") == 1, f".viewed-by-esp cells are {cells}: expected exactly one 'true' (item 1)")
    true_row = rows[cells.index("true")]
    if media_1_md5:
        expect(media_1_md5 in true_row.text,
               f"the file with fileViewedByEsp=true is {true_row.text!r}, not item 1 (MD5 {media_1_md5})")
    xml = find(driver, "#report-xml").text
    expect("fileViewedByEsp" in xml, "#report-xml does not contain 'fileViewedByEsp'")
    expect("<fileViewedByEsp>true</fileViewedByEsp>" in xml.replace(" ", "").replace("\n", ""),
           "#report-xml has no <fileViewedByEsp>true</fileViewedByEsp>")
    source = driver.page_source
    expect("&lt;fileViewedByEsp&gt;" in source, "the report XML is not HTML-escaped in the page source")
    no_script(source, "the report page")
    ok(f"report drafted: completeness {completeness}, files viewed-by-esp {cells} "
       f"(the true one is item 1), XML shows fileViewedByEsp, escaped in the page")
    click_and_wait(driver, "#send-report", "the send button #send-report")
    status_text = wait_for(driver, "#report-status", "the report status after sending").text
    expect(status_text.strip() == "submitted", f"#report-status after sending is {status_text!r}, not 'submitted'")
    remote = wait_for(driver, "#remote-id", "the remote report id after sending").text
    expect(remote.strip(), "#remote-id is empty after sending")
    ok(f"report sent: #report-status = {status_text!r}, #remote-id = {remote!r}")

    # 9. Sign out; a reviewer can neither see nor use a reveal.
    click_and_wait(driver, "#sign-out", "the sign-out button")
    expect(absent(driver, "#who"), "the page after signing out still shows #who")
    status, headers, _ = http(demo.base + "/console", cookie)
    expect(status != 200, f"the specialist's old session cookie still opens /console (HTTP {status}) after signing out")
    ok(f"signed out; the old session cookie now gets HTTP {status}")

    driver.delete_all_cookies()
    who = sign_in(driver, demo.logins["reviewer"], "reviewer")
    reviewer_cookie = session_cookie(driver)
    driver.get(case_url)
    find(driver, "#case-status", f"the case page {case_url} for the reviewer")
    expect(absent(driver, "#reveal-1"), f"the reviewer sees a #reveal-1 button on {case_url}")
    expect(absent(driver, "button.reveal"), f"the reviewer sees a reveal button on {case_url}")
    csrf_inputs = driver.find_elements(By.CSS_SELECTOR, "form input[name=csrf]")
    expect(csrf_inputs, f"no form with a csrf input on {case_url} for the reviewer")
    csrf = csrf_inputs[0].get_attribute("value")
    status, _, body = http(reveal_action, reviewer_cookie, {"csrf": csrf})
    expect(status == 403, f"POST {reveal_action} as the reviewer gave HTTP {status}, not 403")
    # A CSRF refusal is a 403 too ("Form expired"): make sure this one is the role check.
    expect("Not allowed" in body and "Form expired" not in body,
           f"the reviewer's reveal POST got a 403 that is not the role refusal: {strip_tags(body)[:300]!r}")
    status_bad, _, body_bad = http(reveal_action, reviewer_cookie, {"csrf": "wrong"})
    expect(status_bad == 403 and "Form expired" in body_bad,
           f"POST {reveal_action} with a wrong csrf gave HTTP {status_bad}: {strip_tags(body_bad)[:300]!r}")
    ok(f"reviewer ({who!r}) sees no reveal button; POST {urllib.parse.urlparse(reveal_action).path} "
       f"with the reviewer's cookie+csrf gets 403 'Not allowed' (a wrong csrf gets 403 'Form expired')")
    no_script(driver.page_source, "the reviewer's case page")


def strip_tags(text):
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", text))).strip()


def find_in(element, selector):
    try:
        return element.find_element(By.CSS_SELECTOR, selector)
    except NoSuchElementException:
        raise Failure(f"{selector} missing in {element.text!r}")


def md5_of(driver, figure):
    text = find(driver, figure).text
    match = re.search(r"MD5 ([0-9a-f]{32})", text)
    return match.group(1) if match else None


def wait_images(driver, selector, timeout=15):
    try:
        WebDriverWait(driver, timeout).until(lambda d: d.execute_script(
            "return [...document.querySelectorAll(arguments[0])].every(i => i.complete)", selector))
    except TimeoutException:
        raise Failure(f"the images {selector} on {driver.current_url} did not load within {timeout} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", help="the bulwark binary")
    parser.add_argument("--out", default="build/browser-test", help="directory for the screenshots")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(path):
            print(f"FAIL: {path} is missing (apt-get install -y chromium chromium-driver)", file=sys.stderr)
            return 1
    started = time.monotonic()
    demo = Demo(os.path.abspath(args.binary))
    try:
        demo.start()
        ok(f"bulwark demo serving on {demo.base} (login links for {', '.join(sorted(demo.logins))})")
        run(demo, args.out)
    except Failure as failure:
        print(f"FAIL: {failure}", flush=True)
        print(f"browser-test: {len(PASSED)} passed, 1 failed", flush=True)
        return 1
    except WebDriverException as error:
        print(f"FAIL: the browser failed: {error.msg or error}", flush=True)
        print(f"browser-test: {len(PASSED)} passed, 1 failed", flush=True)
        return 1
    finally:
        demo.stop()
    print(f"took {time.monotonic() - started:.1f} s; screenshots in {args.out}", flush=True)
    print(f"browser-test: {len(PASSED)} passed, 0 failed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
