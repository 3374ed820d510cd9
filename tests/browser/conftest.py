"""Fixtures for the browser tests: a real trytond serving sao, and headless
Chromium driven by Selenium.

Environment:
    MED_DB_URI        [database] uri   (default sqlite://)
    MED_DB_PATH       [database] path  (default <repo>/var/db)
    MED_DB            database name    (default demo)
    MED_TRYTOND_CONF  optional base configuration copied before the
                      [database] and [web] settings above are applied
    MED_BROWSER_URL   use an already running server instead of starting one
    MED_CHROMIUM, MED_CHROMEDRIVER   binaries (default: found on PATH)
"""
import configparser
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sao  # noqa: E402

LOG_DIR = sao.REPO / 'test-output'

DESKTOP_SIZE = (1366, 900)
MOBILE_SIZE = (375, 812)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _trytond_command():
    local = Path(sys.executable).parent / 'trytond'
    if local.exists():
        return [str(local)]
    found = shutil.which('trytond')
    if found:
        return [found]
    return [sys.executable, '-m', 'trytond.bin.trytond']


def _write_config(directory, port):
    config = configparser.RawConfigParser()
    base = os.environ.get('MED_TRYTOND_CONF')
    if base:
        config.read(base)
    for section in ('database', 'web'):
        if not config.has_section(section):
            config.add_section(section)
    config.set('database', 'uri', sao.db_uri())
    config.set('database', 'path', sao.db_path())
    config.set('web', 'listen', f'127.0.0.1:{port}')
    # trytond serves [web] root relative to its working directory: absolute
    config.set('web', 'root', str(sao.SAO_ROOT))
    path = Path(directory) / 'trytond.conf'
    with open(path, 'w') as fp:
        config.write(fp)
    return path


def _http_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200 and b'tryton-sao' in response.read()
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


@pytest.fixture(scope='session')
def trytond_server():
    """Base URL of a trytond serving sao and the test database"""
    external = os.environ.get('MED_BROWSER_URL')
    if external:
        yield external.rstrip('/')
        return
    reason = sao.sao_missing() or sao.database_missing()
    if reason:
        pytest.skip(reason)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / 'trytond-browser.log'
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix='med-browser-') as tmp:
        config = _write_config(tmp, port)
        env = dict(os.environ)
        env.pop('TRYTOND_CONFIG', None)
        with open(log_path, 'w') as log:
            process = subprocess.Popen(
                _trytond_command() + ['-c', str(config), '-d', sao.db_name()],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd=tmp, env=env, start_new_session=True)
        base_url = f'http://127.0.0.1:{port}'
        try:
            deadline = time.monotonic() + 90
            while not _http_ok(base_url + '/'):
                if process.poll() is not None:
                    pytest.fail(
                        f"trytond exited with {process.returncode}:\n"
                        + _tail(log_path))
                if time.monotonic() > deadline:
                    pytest.fail(
                        "trytond did not answer in 90 s:\n" + _tail(log_path))
                time.sleep(0.3)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def _tail(path, lines=40):
    try:
        return ''.join(open(path, errors='replace').readlines()[-lines:])
    except OSError:
        return ''


@pytest.fixture(scope='session')
def db_name():
    return sao.db_name()


def _make_driver(size, mobile=False):
    reason = sao.browser_missing()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix='med-chromium-')
    options = webdriver.ChromeOptions()
    options.binary_location = sao.chromium_binary()
    for argument in [
            '--headless=new',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-dev-shm-usage',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            '--no-default-browser-check',
            '--lang=zh-CN',
            f'--user-data-dir={profile}',
            f'--window-size={size[0]},{size[1]}',
            ]:
        options.add_argument(argument)
    options.add_experimental_option(
        'prefs', {'intl.accept_languages': 'zh-CN,zh'})
    # test_every_screen reads sao's console errors (driver.get_log)
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    if mobile:
        options.add_experimental_option('mobileEmulation', {
                'deviceMetrics': {
                    'width': size[0], 'height': size[1], 'pixelRatio': 2,
                    'mobile': True, 'touch': True,
                    },
                })
    service = Service(
        executable_path=sao.chromedriver_binary(),
        log_output=str(LOG_DIR / 'chromedriver.log'))
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(60)
    if not mobile:
        # --window-size includes no browser chrome in headless mode, but
        # make the viewport exact anyway
        driver.set_window_size(*size)
        inner = driver.execute_script(
            'return [window.innerWidth, window.innerHeight];')
        if tuple(inner) != tuple(size):
            driver.set_window_size(
                2 * size[0] - inner[0], 2 * size[1] - inner[1])
    return driver, profile


def _screenshot_path(request, suffix=''):
    name = re.sub(r'[^\w.-]+', '_', request.node.name).strip('_')
    sao.SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return sao.SCREENSHOT_DIR / f'{name}{suffix}.png'


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f'rep_{report.when}', report)
    return report


def _driver_fixture(request, size, mobile):
    driver, profile = _make_driver(size, mobile)
    request.node._med_driver = driver
    try:
        yield driver
    finally:
        report = getattr(request.node, 'rep_call', None)
        if report is not None and report.failed:
            try:
                driver.save_screenshot(str(_screenshot_path(request)))
            except Exception:
                pass
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser(request):
    """Headless Chromium, 1366x900, fresh profile, zh-CN"""
    yield from _driver_fixture(request, DESKTOP_SIZE, mobile=False)


@pytest.fixture
def mobile_browser(request):
    """Headless Chromium emulating a 375x812 phone, fresh profile, zh-CN"""
    yield from _driver_fixture(request, MOBILE_SIZE, mobile=True)


@pytest.fixture
def screenshot(request):
    """screenshot(suffix='') saves the page of the test's browser as
    test-output/screenshots/<test-name><suffix>.png and returns the path"""
    def take(suffix=''):
        driver = getattr(request.node, '_med_driver', None)
        if driver is None:
            raise RuntimeError("the test uses no browser fixture")
        path = _screenshot_path(request, suffix)
        driver.save_screenshot(str(path))
        return path
    return take


@pytest.fixture
def doc_screenshot(request):
    """doc_screenshot(name) saves the page of the test's browser as
    docs/screenshots/<name>.png, the screenshots that document the flows
    (docs/browser-tests.md), and returns the path"""
    def take(name):
        driver = getattr(request.node, '_med_driver', None)
        if driver is None:
            raise RuntimeError("the test uses no browser fixture")
        sao.DOC_SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = sao.DOC_SCREENSHOT_DIR / f'{name}.png'
        driver.save_screenshot(str(path))
        return path
    return take


DEMO_PASSWORD = os.environ.get('MED_DEMO_PASSWORD', 'demo-2026')


@pytest.fixture
def sao_login(request, trytond_server, db_name):
    """sao_login(user, password=demo-2026, driver=None) logs user in with
    driver (default: the `browser` fixture) and returns the driver"""
    def do_login(user, password=None, driver=None):
        if driver is None:
            driver = request.getfixturevalue('browser')
        sao.login(driver, trytond_server, db_name, user,
            password or DEMO_PASSWORD)
        return driver
    return do_login


@pytest.fixture
def rpc_session(trytond_server, db_name):
    """rpc_session(user, password=demo-2026): a sao.RpcSession of user on
    the served database, to prepare or check what the browser does"""
    sessions = []

    def open_session(user, password=None):
        session = sao.RpcSession(trytond_server, db_name, user,
            password or DEMO_PASSWORD)
        sessions.append(session)
        return session
    yield open_session
    for session in sessions:
        try:
            session.logout()
        except (AssertionError, OSError):
            pass  # the server may be gone already; the session expires
