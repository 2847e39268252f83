//! The console (`/console` on the admin listener) in a real browser:
//! Debian's headless `chromium`, driven through the DevTools protocol over
//! `--remote-debugging-pipe` (NUL-separated JSON on the browser's fds 3 and
//! 4; python3 wires the pipes, since that needs a dup2 this crate's
//! `forbid(unsafe_code)` does not allow). No port is opened for it.
//!
//! Without chromium the browser test fails when `CI=true`, and is reported
//! as ignored, with the install command, otherwise. The other tests here
//! need no browser: the token gate, the headers, the texts.

// Test support: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

#[path = "it/common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use base64::Engine;
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use mock_ra::served::{ReadyLine, write_state_dir};
use mock_ra::{FaultKind, FaultSpec, Host, MockRa};
use serde_json::{Value, json};

const INSTALL: &str =
    "apt-get update && apt-get install -y chromium (Debian's chromium; .ci/run does this)";

/// The markup a journal entry's path carries: were it parsed, the page
/// would get a script and an image whose error handler runs.
const MARKUP: &str = "<script>window.pwned=1</script><img/src=x/onerror=window.pwned=2>";

fn main() {
    let args = Arguments::from_args();
    let tests = vec![
        Trial::test("without_the_token_every_admin_call_is_401", || {
            wrap(without_the_token_every_admin_call_is_401)
        }),
        Trial::test("assets_carry_a_strict_policy_and_no_inline_script", || {
            wrap(assets_carry_a_strict_policy_and_no_inline_script)
        }),
        Trial::test("customer_texts_are_the_manuals", || {
            wrap(customer_texts_are_the_manuals)
        }),
        Trial::test("ready_and_fault_kinds_in_the_admin_api", || {
            wrap(ready_and_fault_kinds_in_the_admin_api)
        }),
        Trial::ignorable_test("console_in_a_real_browser", console_in_a_real_browser),
    ];
    libtest_mimic::run(&args, tests).exit();
}

/// Runs a test body that panics on failure.
fn wrap(f: fn()) -> Result<(), Failed> {
    std::panic::catch_unwind(f).map_err(|e| {
        let msg = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "panicked".into());
        Failed::from(msg)
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Two accounts, lock threshold 3: `acme` to renew, `bob` to lock. `bob`'s
/// common name carries markup (the console shows it as text).
fn world() -> mock_ra::World {
    let now = mock_ra::rfc3339(common::now());
    common::world_toml(&format!(
        r#"
[clock]
now = "{now}"
frozen = true

[policy]
lock_threshold = 3

[[account]]
id = "acme"
cn = "ACME Trading acme"
password = "Acme-2026-pass"
[[account.certificate]]
expires = "-10d"

[[account]]
id = "bob"
cn = "Bob <b>Bold</b> Co"
password = "Bob-2026-pass"
[[account.certificate]]
expires = "-5d"
"#
    ))
}

/// A mock with its state directory written and its ready line published,
/// as `mock-ra serve` does.
fn start(rt: &tokio::runtime::Runtime, dir: &Path) -> MockRa {
    let mock = rt
        .block_on(
            MockRa::builder(world())
                .admin_token("console-test-token")
                .start(),
        )
        .unwrap();
    let files = write_state_dir(&mock, dir).unwrap();
    let line = ReadyLine::new(&mock, &files, None, 0);
    mock.publish_ready(&line);
    mock
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// Every admin route and method; the console adds `/ready` and `/fault-kinds`.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/accounts"),
    ("POST", "/accounts"),
    ("GET", "/accounts/acme"),
    ("PATCH", "/accounts/bob"),
    ("POST", "/accounts/acme/reissue"),
    ("GET", "/clock"),
    ("POST", "/clock"),
    ("GET", "/journal"),
    ("GET", "/pki"),
    ("GET", "/certificates/01"),
    ("GET", "/identities"),
    ("GET", "/identities/acme"),
    ("GET", "/faults"),
    ("POST", "/faults"),
    ("DELETE", "/faults"),
    ("GET", "/faults/repo1-status"),
    ("DELETE", "/faults/repo1-status"),
    ("POST", "/reset"),
    ("GET", "/ready"),
    ("GET", "/fault-kinds"),
];

fn without_the_token_every_admin_call_is_401() {
    let rt = runtime();
    let _guard = rt.enter();
    let dir = tempfile::tempdir().unwrap();
    let mock = start(&rt, dir.path());
    let mut spec = FaultSpec::new(Host::Repo1, FaultKind::Status).named("repo1-status");
    spec.status = Some(503);
    mock.add_fault(spec).unwrap();
    let before = (mock.accounts(), mock.faults(), mock.now());
    let c = http();
    let body = json!({ "locked": true, "id": "x", "password": "p", "set": "2030-01-01T00:00:00Z",
                       "host": "repo1", "kind": "reset" });
    for auth in [None, Some("Bearer wrong-token"), Some("console-test-token")] {
        for (method, path) in ROUTES {
            let mut req = c
                .request(
                    method.parse().unwrap(),
                    format!("{}{path}", mock.urls().admin),
                )
                .json(&body);
            if let Some(a) = auth {
                req = req.header("Authorization", a);
            }
            let resp = rt.block_on(req.send()).unwrap();
            assert_eq!(resp.status(), 401, "{method} {path} with {auth:?}");
            assert_eq!(resp.headers()["www-authenticate"], "Bearer");
        }
    }
    assert_eq!(
        (mock.accounts(), mock.faults(), mock.now()),
        before,
        "nothing changed"
    );
    // The console itself is served without it: it holds no data.
    let page = rt
        .block_on(c.get(format!("{}/console", mock.urls().admin)).send())
        .unwrap();
    assert_eq!(page.status(), 200);
    let text = rt.block_on(page.text()).unwrap();
    for secret in [
        "console-test-token",
        "acme",
        "Acme-2026-pass",
        &mock.client_root_sha1(),
    ] {
        assert!(!text.contains(secret), "the page holds no data ({secret})");
    }
}

fn assets_carry_a_strict_policy_and_no_inline_script() {
    let rt = runtime();
    let _guard = rt.enter();
    let dir = tempfile::tempdir().unwrap();
    let mock = start(&rt, dir.path());
    let c = http();
    let get = |path: &str| {
        rt.block_on(c.get(format!("{}{path}", mock.urls().admin)).send())
            .unwrap()
    };
    for (path, kind) in [
        ("/console", "text/html"),
        ("/console/console.js", "text/javascript"),
        ("/console/console.css", "text/css"),
        ("/console/texts.json", "application/json"),
        ("/console/icon.svg", "image/svg+xml"),
    ] {
        let r = get(path);
        assert_eq!(r.status(), 200, "{path}");
        let h = r.headers();
        assert!(
            h["content-type"].to_str().unwrap().starts_with(kind),
            "{path}"
        );
        assert_eq!(
            h["content-security-policy"],
            mock_ra::served::CONTENT_SECURITY_POLICY
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["cache-control"], "no-store");
        assert!(h.get("set-cookie").is_none(), "{path} sets no cookie");
    }
    let csp = mock_ra::served::CONTENT_SECURITY_POLICY;
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self';"));
    assert!(!csp.contains("unsafe") && !csp.contains("http"), "{csp}");
    let page = rt.block_on(get("/console").text()).unwrap();
    // Every script is a file of its own; no handler attribute, no inline style.
    for (at, _) in page.match_indices("<script") {
        let tag = &page[at..at + page[at..].find('>').unwrap()];
        assert!(tag.contains("src=\"/console/"), "inline script: {tag}");
    }
    assert!(!regex_like_handler(&page), "an on... handler attribute");
    assert!(!page.contains("style="), "inline style");
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no CDN"
    );
    let script = rt.block_on(get("/console/console.js").text()).unwrap();
    for banned in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "cookie",
    ] {
        assert!(!script.contains(banned), "console.js uses {banned}");
    }
}

/// Whether the page has an `onXXX=` attribute.
fn regex_like_handler(page: &str) -> bool {
    page.split(|c: char| c.is_whitespace()).any(|w| {
        w.starts_with("on")
            && w.contains('=')
            && w[2..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase())
    })
}

/// The console's customer texts are the manual's: byte for byte the
/// messages the case files expect (Japanese) and the client's catalogue
/// (English). Read as files: mock-ra does not depend on the client.
fn customer_texts_are_the_manuals() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let texts: Value =
        serde_json::from_str(include_str!("../src/control/console/texts.json")).unwrap();
    let mut expected = String::new();
    for entry in std::fs::read_dir(root.join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            expected.push_str(&std::fs::read_to_string(path).unwrap());
        }
    }
    // The client's catalogue: messages.rs and the files under messages/.
    let mut client = std::fs::read_to_string(root.join("client/src/messages.rs")).unwrap();
    let mut dirs = vec![root.join("client/src/messages")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                client.push_str(&std::fs::read_to_string(path).unwrap());
            }
        }
    }
    let customer = texts["customer"].as_object().unwrap();
    assert_eq!(customer.len(), 5);
    for (class, t) in customer {
        let ja = t["ja"].as_str().unwrap();
        let en = t["en"].as_str().unwrap();
        assert!(
            expected.contains(&format!("message = \"{ja}\"")),
            "{class}: {ja} is not a case file's message"
        );
        assert!(client.contains(&format!("\"{ja}\"")), "{class}: {ja}");
        assert!(client.contains(&format!("\"{en}\"")), "{class}: {en}");
    }
    let ui = texts["ui"].as_object().unwrap();
    let keys = |l: &str| {
        let mut k: Vec<_> = ui[l].as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys("ja"), keys("en"), "both languages have every label");
    // Every label the page names exists.
    let page = include_str!("../src/control/console/console.html");
    for part in page.split("data-t=\"").skip(1) {
        let key = &part[..part.find('"').unwrap()];
        assert!(ui["en"].get(key).is_some(), "label `{key}`");
    }
}

fn ready_and_fault_kinds_in_the_admin_api() {
    let rt = runtime();
    let _guard = rt.enter();
    let dir = tempfile::tempdir().unwrap();
    let c = http();
    let get = |mock: &MockRa, path: &str| {
        let r = rt
            .block_on(
                c.get(format!("{}{path}", mock.urls().admin))
                    .bearer_auth(mock.admin_token())
                    .send(),
            )
            .unwrap();
        let status = r.status();
        (status, rt.block_on(r.json::<Value>()).unwrap())
    };
    // In-process, nothing published: 404 with the reason.
    let bare = rt.block_on(MockRa::start(world())).unwrap();
    let (status, body) = get(&bare, "/ready");
    assert_eq!(status, 404);
    assert!(
        body["detail"].as_str().unwrap().contains("no ready line"),
        "{body}"
    );

    let mock = start(&rt, dir.path());
    let (status, ready) = get(&mock, "/ready");
    assert_eq!(status, 200, "{ready}");
    assert!(
        !ready.to_string().contains("console-test-token"),
        "no token"
    );
    let args: Vec<&str> = ready["certrenew_args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let now = mock_ra::rfc3339(mock.now());
    assert_eq!(args[args.len() - 2..], ["--danger-now", now.as_str()]);
    mock.advance_clock(time::Duration::days(3)).unwrap();
    let (_, ready) = get(&mock, "/ready");
    let later = mock_ra::rfc3339(mock.now());
    assert!(
        ready.to_string().contains(&later),
        "--danger-now follows the clock"
    );
    assert!(!ready.to_string().contains(&now));
    let commands = ready["commands"].as_array().unwrap();
    let whats: Vec<&str> = commands
        .iter()
        .map(|c| c["what"].as_str().unwrap())
        .collect();
    assert_eq!(whats, ["import", "import", "list", "renew", "verify"]);
    let import = commands[0]["text"].as_str().unwrap();
    let cert = dir.path().join("identities/acme/cert.pem");
    assert!(
        import.contains(&format!("--cert {}", cert.display())),
        "{import}"
    );
    assert!(import.contains("--connect-to webra2.secomtrust.net:443:127.0.0.1:"));
    // No customer password: this is not the demo world.
    let all = ready.to_string();
    assert!(!all.contains("Acme-2026-pass") && !all.contains("Bob-2026-pass"));
    assert!(commands[3]["text"].as_str().unwrap().contains("PASSWORD"));

    let (status, kinds) = get(&mock, "/fault-kinds");
    assert_eq!(status, 200);
    let kinds = kinds.as_array().unwrap();
    assert_eq!(kinds.len(), FaultKind::ALL.len());
    let status_kind = kinds.iter().find(|k| k["kind"] == "status").unwrap();
    assert_eq!(
        status_kind["params"][0],
        json!({ "key": "status", "required": true })
    );
    assert_eq!(status_kind["hosts"].as_array().unwrap().len(), 4);
    let lost = kinds
        .iter()
        .find(|k| k["kind"] == "commit_then_lose")
        .unwrap();
    assert_eq!(lost["hosts"], json!(["webra2"]));
}

// ---- the browser ----------------------------------------------------------

/// Wires chromium's fds 3 (commands in) and 4 (answers out) to this
/// script's stdin and stdout.
const RELAY: &str = r#"
import fcntl, os, subprocess, sys, threading
r3, w3 = os.pipe()
r4, w4 = os.pipe()
a = fcntl.fcntl(r3, fcntl.F_DUPFD, 10)
b = fcntl.fcntl(w4, fcntl.F_DUPFD, 10)
os.close(r3); os.close(w4)
def wire():
    os.dup2(a, 3)
    os.dup2(b, 4)
log = open(os.environ["CONSOLE_BROWSER_LOG"], "wb")
p = subprocess.Popen(sys.argv[1:], pass_fds=(3, 4), stdin=subprocess.DEVNULL,
                     stdout=log, stderr=log, preexec_fn=wire)
os.close(a); os.close(b)
def commands():
    while True:
        chunk = os.read(0, 65536)
        if not chunk:
            break
        os.write(w3, chunk)
    os.close(w3)
threading.Thread(target=commands, daemon=True).start()
while True:
    chunk = os.read(r4, 65536)
    if not chunk:
        break
    os.write(1, chunk)
try:
    p.wait(timeout=10)
except subprocess.TimeoutExpired:
    p.kill()
"#;

fn chromium() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(bin));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
        .find(|p| p.is_file())
}

/// One headless browser and its page session.
struct Browser {
    child: Child,
    input: Option<ChildStdin>,
    answers: Receiver<Value>,
    next: u64,
    session: String,
    _profile: tempfile::TempDir,
    log: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        drop(self.input.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    fn start(bin: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let log = profile.path().join("browser.log");
        let mut child = Command::new("python3")
            .arg("-c")
            .arg(RELAY)
            .arg(bin)
            .args([
                "--headless",
                // The sandbox needs privileges a CI container (root, no user
                // namespaces) lacks; the page is our own, on loopback.
                "--no-sandbox",
                "--disable-gpu",
                "--remote-debugging-pipe",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-default-apps",
                "--no-proxy-server",
                "--lang=ja",
                "--window-size=1280,800",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .env("CONSOLE_BROWSER_LOG", &log)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let (tx, answers) = channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 65536];
            loop {
                match out.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
                while let Some(end) = buf.iter().position(|&b| b == 0) {
                    let message: Vec<u8> = buf.drain(..=end).collect();
                    if let Ok(v) = serde_json::from_slice::<Value>(&message[..end])
                        && tx.send(v).is_err()
                    {
                        return;
                    }
                }
            }
        });
        let mut b = Browser {
            input: child.stdin.take(),
            child,
            answers,
            next: 0,
            session: String::new(),
            _profile: profile,
            log,
        };
        let targets = b.call_in(None, "Target.getTargets", json!({}));
        let page = targets["targetInfos"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["type"] == "page")
            .unwrap_or_else(|| panic!("no page target: {targets}"))["targetId"]
            .clone();
        let attached = b.call_in(
            None,
            "Target.attachToTarget",
            json!({ "targetId": page, "flatten": true }),
        );
        b.session = attached["sessionId"].as_str().unwrap().to_owned();
        b.call("Page.enable", json!({}));
        b.call("Runtime.enable", json!({}));
        b.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": false }),
        );
        // Any policy violation is kept for the test to see.
        b.call(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": "window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));" }),
        );
        b
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.call_in(Some(&session), method, params)
    }

    fn call_in(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            message["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        let input = self.input.as_mut().unwrap();
        input.write_all(&bytes).unwrap();
        input.flush().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.answers.recv_timeout(left) {
                Ok(v) if v["id"] == id => {
                    if let Some(e) = v.get("error") {
                        panic!("{method}: {e}");
                    }
                    return v["result"].clone();
                }
                Ok(_event) => {}
                Err(RecvTimeoutError::Timeout) => panic!("{method}: no answer in 30 s"),
                Err(RecvTimeoutError::Disconnected) => panic!(
                    "{method}: the browser went away; its log:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                ),
            }
        }
    }

    /// Evaluates `expr` in the page (promises awaited), by value.
    fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expr, "returnByValue": true, "awaitPromise": true }),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("{expr}: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Waits (10 s at most) until `expr` is truthy; returns its value.
    fn wait(&mut self, what: &str, expr: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let v = self.eval(expr);
            if !(v.is_null() || v == json!(false) || v == json!("") || v == json!(0)) {
                return v;
            }
            if Instant::now() > deadline {
                let state = self.eval(
                    "JSON.stringify({ lang: document.documentElement.lang, csp: window.__csp, \
                     url: location.href, login: document.getElementById('login-error').textContent, \
                     message: document.getElementById('message').textContent })",
                );
                panic!("waited 10 s for {what}: {expr}\npage: {state}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn navigate(&mut self, url: &str) {
        self.call("Page.navigate", json!({ "url": url }));
        self.wait(
            "the page to load",
            "document.readyState === 'complete' && !!document.getElementById('login')",
        );
    }

    fn screenshot(&mut self, name: &str) -> PathBuf {
        let shot = self.call(
            "Page.captureScreenshot",
            json!({ "format": "png", "clip": { "x": 0, "y": 0, "width": 1280, "height": 800, "scale": 1 } }),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{name}: a PNG");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
}

/// A JS string literal for `s`.
fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn console_in_a_real_browser() -> Result<Completion, Failed> {
    let Some(bin) = chromium() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            return Err(format!("chromium is not installed (CI=true): {INSTALL}").into());
        }
        let why = format!("chromium not found; install it: {INSTALL}");
        eprintln!("console_in_a_real_browser: SKIPPED, {why}");
        return Ok(Completion::ignored_with(why));
    };
    std::panic::catch_unwind(|| browse(&bin))
        .map(|()| Completion::Completed)
        .map_err(|e| {
            e.downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "panicked".into())
                .into()
        })
}

fn browse(bin: &Path) {
    let rt = runtime();
    let _guard = rt.enter();
    let dir = tempfile::tempdir().unwrap();
    let mock = start(&rt, dir.path());
    let token = mock.admin_token().to_owned();
    let mut b = Browser::start(bin);
    let console = format!("{}/console", mock.urls().admin);

    // Without the token: the prompt, and nothing else.
    b.navigate(&console);
    b.wait(
        "the texts",
        "document.querySelector('[data-t=token_label]').textContent === '管理トークン'",
    );
    let before = b.eval(
        "({ login: !document.getElementById('login').hidden,
            app: document.getElementById('app').hidden,
            rows: document.querySelectorAll('tbody tr').length,
            visible: document.getElementById('app').checkVisibility() })",
    );
    assert_eq!(
        before,
        json!({ "login": true, "app": true, "rows": 0, "visible": false })
    );
    b.screenshot("prompt");
    // The page's own requests without a token are refused too.
    let statuses = b.eval(&format!(
        "Promise.all({}.map(([m, p]) => fetch(p, {{ method: m }}).then(r => r.status)))",
        serde_json::to_string(ROUTES).unwrap()
    ));
    assert!(
        statuses.as_array().unwrap().iter().all(|s| s == 401),
        "{statuses}"
    );
    // A wrong token: refused, not kept, still only the prompt.
    b.eval("document.getElementById('token').focus()");
    b.call("Input.insertText", json!({ "text": "not-the-token" }));
    b.eval("document.getElementById('login-button').click()");
    b.wait(
        "the refusal",
        "document.getElementById('login-error').textContent.includes('401')",
    );
    assert_eq!(
        b.eval("[document.getElementById('app').hidden, sessionStorage.length]"),
        json!([true, 0])
    );

    // The token, typed once.
    b.eval("document.getElementById('token').value = ''; document.getElementById('token').focus()");
    b.call("Input.insertText", json!({ "text": token }));
    b.eval("document.getElementById('login-button').click()");
    b.wait("the console", "!document.getElementById('app').hidden && document.querySelectorAll('#accounts tbody tr').length === 2");
    let kept = b.eval(&format!(
        "({{ session: sessionStorage.getItem('mock-ra-admin-token') === {t},
             local: Object.keys(localStorage).some(k => localStorage.getItem(k).includes({t})),
             cookie: document.cookie, url: location.href.includes({t}) }})",
        t = js(&token)
    ));
    assert_eq!(
        kept,
        json!({ "session": true, "local": false, "cookie": "", "url": false })
    );

    // A renewal (acme), a lock (bob: three wrong passwords, then the right one).
    let acme = mock.identity("acme").unwrap();
    let (status, body) = rt.block_on(common::renew(&mock, &acme, "Acme-2026-pass"));
    assert_eq!(status, 201, "{body}");
    let bob = mock.identity("bob").unwrap();
    let c = common::client(&mock, Some(&bob));
    for password in ["wrong-1", "wrong-2", "wrong-3", "Bob-2026-pass"] {
        let (status, _) = rt.block_on(common::login(&c, &mock, password));
        assert_eq!(status, 403);
    }
    assert!(mock.account("bob").unwrap().locked);
    // An entry with markup in its path: an absolute-form request through
    // the forward proxy to a host that is not one of ours.
    let mut s = std::net::TcpStream::connect(mock.addr(mock_ra::Role::Proxy).unwrap()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET http://elsewhere.invalid/{MARKUP} HTTP/1.1\r\nHost: elsewhere.invalid\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 502"), "{answer}");

    // Accounts: acme renewed (two certificates, order fetched), bob locked.
    b.wait(
        "acme renewed",
        "document.querySelector('tr[data-account=acme] td.order .badge').textContent === 'fetched'",
    );
    b.wait(
        "bob locked",
        "document.querySelector('tr[data-account=bob] td.lock').textContent === 'ロック中'",
    );
    let accounts = b.eval(
        "(() => { const row = id => document.querySelector(`tr[data-account=${id}]`);
           const statuses = id => Array.from(row(id).querySelectorAll('ul.certs li .badge')).map(x => x.textContent);
           return { acme: statuses('acme'), bob: statuses('bob'),
                    failures: row('bob').querySelector('td.failures').textContent,
                    cn: row('bob').cells[0].textContent,
                    bold: document.querySelectorAll('#accounts b').length }; })()",
    );
    assert_eq!(
        accounts,
        json!({ "acme": ["renewed", "current"], "bob": ["current"], "failures": "3 / 3",
                "cn": "bobBob <b>Bold</b> Co", "bold": 0 })
    );
    let shot = b.screenshot("accounts");
    eprintln!("console screenshots: {}", shot.parent().unwrap().display());

    // A fault, added through the console's form, then met by a request.
    b.eval("location.hash = '#faults'");
    b.wait(
        "the fault form",
        "document.querySelectorAll('#fault-kind option').length > 3",
    );
    b.eval(
        "(() => { const h = document.getElementById('fault-host'); h.value = 'repo1'; h.dispatchEvent(new Event('change'));
                  const k = document.getElementById('fault-kind'); k.value = 'status'; k.dispatchEvent(new Event('change'));
                  document.querySelector('#fault-params input[data-param=status]').value = '503';
                  document.querySelector('#fault-params input[data-param=times]').value = '1';
                  document.getElementById('fault-name').value = 'crl-down';
                  document.querySelector('#fault-form button[type=submit]').click(); })()",
    );
    b.wait(
        "the fault in force",
        "!!document.querySelector('#faults tr[data-fault=crl-down]')",
    );
    let faults = mock.faults();
    assert_eq!(faults.faults.len(), 1);
    assert_eq!(faults.faults[0].spec.status, Some(503));
    assert_eq!(faults.faults[0].spec.times, Some(1));
    let r = rt
        .block_on(
            common::client(&mock, None)
                .get(common::repo1(&mock, "/sppca/sppca1.crl"))
                .send(),
        )
        .unwrap();
    assert_eq!(r.status(), 503);
    b.wait(
        "the fault counted",
        "document.querySelector('#faults tr[data-fault=crl-down]').cells[6].textContent === '1'",
    );
    let seed = b.eval("document.getElementById('fault-seed').textContent");
    assert_eq!(seed, json!(mock.fault_seed().to_string()));
    b.screenshot("faults");

    // The journal: newest first, the renewal, the lock, the fault, the markup as text.
    b.eval("location.hash = '#journal'");
    b.wait("the fault's entry", "Array.from(document.querySelectorAll('#journal td.cause')).some(td => td.textContent === 'fault')");
    let journal = b.eval(
        "(() => { const rows = Array.from(document.querySelectorAll('#journal tbody tr'));
           const cell = (tr, c) => tr.querySelector('td.' + c).textContent;
           return { seqs: rows.map(r => Number(r.dataset.seq)),
                    roles: Array.from(new Set(rows.map(r => r.cells[2].textContent))).sort(),
                    issued: rows.filter(r => cell(r, 'cause') === 'issued').map(r => cell(r, 'account')),
                    locked: rows.filter(r => cell(r, 'cause') === 'password_locked').map(r => [cell(r, 'account'), r.querySelector('td.class .customer').textContent]),
                    wrong: rows.filter(r => cell(r, 'cause') === 'wrong_password').length,
                    fault: rows.filter(r => cell(r, 'cause') === 'fault').map(r => [cell(r, 'fault'), r.cells[5].textContent]),
                    paths: rows.map(r => r.querySelector('td.path').textContent),
                    certificate: rows.filter(r => cell(r, 'cause') === 'issued').map(r => r.cells[9].querySelector('.subject').textContent),
                    injected: document.querySelectorAll('#journal script, #journal img, #app script, #app img').length,
                    pwned: window.pwned === undefined ? null : window.pwned,
                    csp: window.__csp }; })()",
    );
    let seqs: Vec<u64> = serde_json::from_value(journal["seqs"].clone()).unwrap();
    assert!(
        seqs.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seqs:?}"
    );
    assert_eq!(
        journal["roles"],
        json!(["proxy", "repo1", "webra2"]),
        "admin's own calls hidden by default"
    );
    assert_eq!(journal["issued"], json!(["acme"]));
    assert_eq!(
        journal["locked"],
        json!([[
            "bob",
            "550:証明書ファイルは取得できませんでした。認証に失敗しました。"
        ]])
    );
    assert_eq!(journal["wrong"], json!(3));
    assert_eq!(journal["fault"], json!([["crl-down", "503"]]));
    assert!(
        journal["certificate"][0]
            .as_str()
            .unwrap()
            .contains("ACME Trading acme"),
        "{journal}"
    );
    let markup = format!("http://elsewhere.invalid/{MARKUP}");
    assert!(
        journal["paths"]
            .as_array()
            .unwrap()
            .contains(&json!(markup)),
        "the markup shows as text: {}",
        journal["paths"]
    );
    assert_eq!(journal["injected"], json!(0), "no element came from data");
    assert_eq!(journal["pwned"], Value::Null, "no script of the data ran");
    assert_eq!(journal["csp"], json!([]), "nothing the policy had to block");
    b.screenshot("journal");

    // Filters: account, role, cause.
    let only = |b: &mut Browser, id: &str, value: &str, cell: &str| {
        b.eval(&format!(
            "(() => {{ const s = document.getElementById({id}); s.value = {value}; s.dispatchEvent(new Event('change'));
               return Array.from(new Set(Array.from(document.querySelectorAll('#journal tbody tr')).map(r => r.querySelector({cell}).textContent))); }})()",
            id = js(id), value = js(value), cell = js(cell)
        ))
    };
    assert_eq!(
        only(&mut b, "filter-account", "bob", "td.account"),
        json!(["bob"])
    );
    let accounts_all = only(&mut b, "filter-account", "", "td.account");
    assert!(accounts_all.as_array().unwrap().len() > 1, "{accounts_all}");
    assert_eq!(
        only(&mut b, "filter-role", "repo1", "td:nth-child(3)"),
        json!(["repo1"])
    );
    assert_eq!(
        only(&mut b, "filter-role", "admin", "td:nth-child(3)"),
        json!(["admin"])
    );
    only(&mut b, "filter-role", "-admin", "td:nth-child(3)");
    assert_eq!(
        only(&mut b, "filter-cause", "wrong_password", "td.cause"),
        json!(["wrong_password"])
    );
    only(&mut b, "filter-cause", "", "td.cause");

    // Live: a new request shows up without a reload, on top.
    let r = rt
        .block_on(
            common::client(&mock, None)
                .get(common::repository(&mock, "/"))
                .send(),
        )
        .unwrap();
    let _ = r.status();
    b.wait(
        "the new entry",
        "document.querySelector('#journal tbody tr').cells[2].textContent === 'repository'",
    );

    // English.
    b.eval("document.querySelector('header [data-lang-toggle]').click()");
    b.wait(
        "English labels",
        "document.querySelector('nav [data-view=accounts]').textContent === 'Accounts'",
    );
    let en = b.eval("Array.from(document.querySelectorAll('#journal td.class .customer')).map(x => x.textContent)[0]");
    assert_eq!(
        en,
        json!("550: the certificate file could not be obtained: authentication failed")
    );

    // The clock: advance one day through the console.
    let then = mock.now();
    b.eval("location.hash = '#clock'");
    b.eval("document.getElementById('clock-advance-value').value = '+1d'; document.querySelector('#clock-advance button').click()");
    b.wait(
        "the clock moved",
        &format!(
            "document.getElementById('clock-big').textContent === {}",
            js(&mock_ra::rfc3339(then + time::Duration::days(1)))
        ),
    );
    assert_eq!(mock.now(), then + time::Duration::days(1));

    // Client commands, from the ready line, ready to copy.
    b.eval("location.hash = '#client'");
    let commands = b.wait(
        "the commands",
        "Array.from(document.querySelectorAll('#commands pre')).map(p => p.textContent).join('\\n')",
    );
    let commands = commands.as_str().unwrap();
    assert!(
        commands.contains("import --cert") && commands.contains("renew --password-stdin"),
        "{commands}"
    );
    assert!(
        commands.contains(&mock_ra::rfc3339(mock.now())),
        "--danger-now at the virtual now"
    );
    b.screenshot("client");

    // Remove the fault from the console, then reset.
    b.eval("location.hash = '#faults'");
    b.wait(
        "the faults view",
        "!!document.querySelector('#faults tr[data-fault=crl-down] button')",
    );
    b.eval("document.querySelector('#faults tr[data-fault=crl-down] button').click()");
    b.wait(
        "the fault gone",
        "!document.querySelector('#faults tr[data-fault=crl-down]')",
    );
    assert!(mock.faults().faults.is_empty());
    b.eval("document.getElementById('reset').click(); document.getElementById('reset').click()");
    b.eval("location.hash = '#accounts'");
    b.wait(
        "acme back to its start",
        "document.querySelector('tr[data-account=acme] td.order .badge')?.textContent === 'ready'",
    );
    assert!(
        !mock.account("bob").unwrap().locked,
        "the reset reached the mock"
    );

    // Forgetting the token: back to the prompt, nothing kept, nothing shown.
    b.eval("document.getElementById('logout').click()");
    let after = b.eval(
        "({ login: !document.getElementById('login').hidden, app: document.getElementById('app').hidden,
            rows: document.querySelectorAll('tbody tr').length, kept: sessionStorage.length })",
    );
    assert_eq!(
        after,
        json!({ "login": true, "app": true, "rows": 0, "kept": 0 })
    );
    drop(b);
    rt.block_on(mock.shutdown());
}
