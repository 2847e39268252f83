//! The container setup checked without a container engine (none runs where
//! the tests run): everything `docker-compose.yml` (and the publishing
//! override `docker/compose.publish.yml`) relies on exists in the image
//! definition (`Dockerfile`, `docker/client.sh`) -- the programs its
//! commands run, the paths, the ports, the volume, the network names --
//! and the mock-ra flags they use are mock-ra's own. Nothing here runs
//! certrenew: the topology is started for real, with the client, by the
//! harness's `tests/containers.rs`.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use mock_ra::Host;
use yaml_rust2::{Yaml, YamlLoader};

const MOCK_RA: &str = env!("CARGO_BIN_EXE_mock-ra");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn yaml(rel: &str) -> Yaml {
    let mut docs = YamlLoader::load_from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(docs.len(), 1, "{rel}: one YAML document");
    docs.remove(0)
}

/// A YAML scalar as text (compose writes ports as strings or numbers).
fn text(y: &Yaml) -> String {
    match y {
        Yaml::String(s) | Yaml::Real(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        other => panic!("expected a scalar, got {other:?}"),
    }
}

fn list(y: &Yaml) -> Vec<String> {
    y.as_vec()
        .unwrap_or_else(|| panic!("expected a list, got {y:?}"))
        .iter()
        .map(text)
        .collect()
}

fn keys(y: &Yaml) -> Vec<String> {
    y.as_hash()
        .unwrap_or_else(|| panic!("expected a mapping, got {y:?}"))
        .keys()
        .map(text)
        .collect()
}

/// What the Dockerfile's final image holds.
#[derive(Debug, Default)]
struct Image {
    /// Sources copied into the build stage (relative to the context).
    build_copies: Vec<String>,
    /// Binaries the build stage installs into `/out/bin`.
    built: Vec<String>,
    /// Files and directories of the final image: destination -> context source.
    copies: BTreeMap<String, String>,
    /// `mkdir -p` and `chown` in the final stage's RUNs.
    made_dirs: BTreeSet<String>,
    owned_by_user: BTreeSet<String>,
    env: BTreeMap<String, String>,
    user: String,
    users_created: BTreeSet<String>,
    workdir: String,
    exposed: BTreeSet<u16>,
    volumes: BTreeSet<String>,
    packages: BTreeSet<String>,
}

/// Dockerfile instructions with continuations joined and comments dropped.
fn instructions(dockerfile: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in dockerfile.lines() {
        let trimmed = line.trim();
        if pending.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        if let Some(body) = trimmed.strip_suffix('\\') {
            pending.push_str(body);
            pending.push(' ');
            continue;
        }
        pending.push_str(trimmed);
        let (op, args) = pending.split_once(' ').unwrap_or((&pending, ""));
        out.push((op.to_ascii_uppercase(), args.trim().to_owned()));
        pending.clear();
    }
    out
}

fn image() -> Image {
    let mut img = Image::default();
    let mut stage = 0;
    for (op, args) in instructions(&read("Dockerfile")) {
        let words: Vec<&str> = args.split_whitespace().collect();
        match op.as_str() {
            "FROM" => stage += 1,
            "COPY" => {
                let plain: Vec<&str> = words
                    .iter()
                    .copied()
                    .filter(|w| !w.starts_with("--"))
                    .collect();
                let (dest, sources) = plain.split_last().unwrap();
                if stage == 2 || stage == 3 {
                    // prebuilt (bin/ from the context) and its alias: the
                    // same /out/bin/ as the build stage.
                } else if stage == 1 {
                    img.build_copies
                        .extend(sources.iter().map(|s| (*s).to_owned()));
                } else {
                    let from_build = words.iter().any(|w| w.starts_with("--from="));
                    for s in sources {
                        let src = if from_build {
                            format!("build:{s}")
                        } else {
                            (*s).to_owned()
                        };
                        img.copies.insert((*dest).to_owned(), src);
                    }
                }
            }
            "RUN" if stage == 1 => {
                if let Some(at) = words.iter().position(|w| *w == "install") {
                    img.built.extend(
                        words[at..]
                            .iter()
                            .filter_map(|w| w.strip_prefix("target/release/"))
                            .map(str::to_owned),
                    );
                }
            }
            "RUN" => {
                for command in args.split("&&") {
                    let w: Vec<&str> = command.split_whitespace().collect();
                    match w.first().copied() {
                        Some("mkdir") => img.made_dirs.extend(
                            w[1..]
                                .iter()
                                .filter(|a| !a.starts_with('-'))
                                .map(|a| (*a).to_owned()),
                        ),
                        Some("chown") => img.owned_by_user.extend(
                            w[2..]
                                .iter()
                                .filter(|a| !a.starts_with('-'))
                                .map(|a| (*a).to_owned()),
                        ),
                        Some("useradd") => {
                            // The name, and the uid when one is given.
                            img.users_created.insert((*w.last().unwrap()).to_owned());
                            if let Some(i) = w.iter().position(|a| *a == "--uid") {
                                img.users_created.insert(w[i + 1].to_owned());
                            }
                        }
                        Some("apt-get") if w.get(1) == Some(&"install") => img.packages.extend(
                            w[2..]
                                .iter()
                                .filter(|a| !a.starts_with('-'))
                                .map(|a| (*a).to_owned()),
                        ),
                        _ => {}
                    }
                }
            }
            "ENV" => {
                for pair in words {
                    let (k, v) = pair.split_once('=').unwrap();
                    img.env.insert(k.to_owned(), v.to_owned());
                }
            }
            "USER" => img.user = args.clone(),
            "WORKDIR" => img.workdir = args.clone(),
            "EXPOSE" => img
                .exposed
                .extend(words.iter().map(|p| p.parse::<u16>().unwrap())),
            "VOLUME" => {
                let v: Vec<String> = serde_json::from_str(&args).unwrap();
                img.volumes.extend(v);
            }
            _ => {}
        }
    }
    assert_eq!(stage, 4, "build, prebuilt, the binaries' stage, run");
    img
}

impl Image {
    /// The programs on the final image's PATH that the compose file may
    /// run: what the Dockerfile installs in /usr/local/bin, and what the
    /// Debian base always has.
    fn programs(&self) -> BTreeSet<String> {
        let mut p: BTreeSet<String> = ["sh", "grep", "sed", "seq", "sleep", "printf", "test"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        for (dest, src) in &self.copies {
            if src == "build:/out/bin/" && dest == "/usr/local/bin/" {
                p.extend(self.built.iter().cloned());
            } else if let Some(name) = dest.strip_prefix("/usr/local/bin/") {
                p.insert(name.to_owned());
            }
        }
        p
    }

    /// Whether `path` is in the image as a directory the user can write.
    fn writable_dir(&self, path: &str) -> bool {
        self.made_dirs.contains(path) && self.owned_by_user.contains(path)
    }
}

fn help(bin: &Path, args: &[&str]) -> String {
    let out = Command::new(bin).args(args).arg("--help").output().unwrap();
    assert!(out.status.success(), "{} {args:?} --help", bin.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The long flags (`--name`) in a piece of shell or help text (a bare
/// `--`, as in `set --`, is none).
fn flags(text: &str) -> BTreeSet<String> {
    text.split(|c: char| c.is_whitespace() || c == '"' || c == ',' || c == '=' || c == '[')
        .filter_map(|w| w.strip_prefix("--"))
        .map(|w| w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|w| w.starts_with(|c: char| c.is_ascii_lowercase()))
        .map(|w| format!("--{w}"))
        .collect()
}

fn service<'a>(compose: &'a Yaml, name: &str) -> &'a Yaml {
    let s = &compose["services"][name];
    assert!(!s.is_badvalue(), "no service `{name}`");
    s
}

/// The mock service's shell script (`sh -c SCRIPT`).
fn mock_script(compose: &Yaml) -> String {
    let command = list(&service(compose, "mock")["command"]);
    assert_eq!(command[..2], ["sh", "-c"], "{command:?}");
    command[2].clone()
}

#[test]
fn every_service_is_built_here_and_runs_what_the_image_holds() {
    let compose = yaml("docker-compose.yml");
    let img = image();
    let programs = img.programs();
    for name in keys(&compose["services"]) {
        let s = service(&compose, &name);
        // Built from this Dockerfile, never pulled from a registry.
        assert_eq!(text(&s["build"]), ".", "service {name}: build");
        assert_eq!(
            text(&s["image"]),
            "certrenew:latest",
            "service {name}: image"
        );
        // The program each command starts is in the image.
        let command = list(&s["command"]);
        assert!(
            programs.contains(&command[0]),
            "service {name} runs `{}`, which the image does not have ({programs:?})",
            command[0]
        );
    }
    // The mock's script execs mock-ra.
    let script = mock_script(&compose);
    let exec = script
        .split_whitespace()
        .skip_while(|w| *w != "exec")
        .nth(1)
        .unwrap();
    assert!(programs.contains(exec), "the mock execs `{exec}`");
    // The health check's program too.
    let check = list(&service(&compose, "mock")["healthcheck"]["test"]);
    assert_eq!(check[0], "CMD");
    assert!(
        programs.contains(&check[1]),
        "health check runs `{}`",
        check[1]
    );
    // What the Dockerfile builds exists in the workspace.
    for (bin, manifest) in [
        ("mock-ra", "mock-ra/Cargo.toml"),
        ("certrenew", "client/Cargo.toml"),
        ("harness", "tests/Cargo.toml"),
    ] {
        assert!(img.built.contains(&bin.to_owned()), "the image lacks {bin}");
        let m: toml::Table = read(manifest).parse().unwrap();
        let bins: Vec<&str> = m["bin"]
            .as_array()
            .map(|a| a.iter().filter_map(|b| b["name"].as_str()).collect())
            .unwrap_or_default();
        let package = m["package"]["name"].as_str().unwrap();
        assert!(
            bins.contains(&bin) || package == bin,
            "{manifest} builds no binary `{bin}`"
        );
    }
    // Every workspace member, and every build input, is copied in (a
    // member inside another's folder, certs-gen/fileformat, with it).
    let workspace: toml::Table = read("Cargo.toml").parse().unwrap();
    for member in workspace["workspace"]["members"].as_array().unwrap() {
        let member = member.as_str().unwrap();
        assert!(
            img.build_copies
                .iter()
                .any(|c| c == member || member.starts_with(&format!("{c}/"))),
            "{member} is not copied"
        );
    }
    for source in img
        .build_copies
        .iter()
        .chain(img.copies.values().filter(|s| !s.starts_with("build:")))
    {
        assert!(root().join(source).exists(), "COPY {source}: no such file");
    }
    // And nothing it copies is ignored by the build context.
    let ignored: Vec<String> = read(".dockerignore")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.trim_start_matches("**/").to_owned())
        .collect();
    for source in &img.build_copies {
        let first = source.split('/').next().unwrap();
        assert!(
            !ignored.iter().any(|i| i == first),
            "{source} is in .dockerignore"
        );
    }
    // Not root; the user (and group, given as `USER uid:gid`) exists.
    let user = img.user.split(':').next().unwrap();
    assert!(img.users_created.contains(user), "USER {}", img.user);
    assert!(user != "root" && user != "0", "USER {}", img.user);
    // The harness finds certrenew without cargo, and openssl is installed.
    assert_eq!(
        img.env.get("CERTRENEW_BIN").map(String::as_str),
        Some("/usr/local/bin/certrenew")
    );
    assert!(img.packages.contains("openssl"));
}

#[test]
fn paths_ports_volumes_and_names_exist_in_the_image() {
    let compose = yaml("docker-compose.yml");
    let img = image();
    let mock = service(&compose, "mock");
    let script = mock_script(&compose);

    // The state volume: declared, mounted at a VOLUME of the image that the
    // user can write, and where the script writes.
    assert!(keys(&compose["volumes"]).contains(&"state".to_owned()));
    for name in ["mock", "client"] {
        for v in list(&service(&compose, name)["volumes"]) {
            let parts: Vec<&str> = v.split(':').collect();
            assert_eq!(parts[0], "state", "{name}: {v}");
            assert!(img.volumes.contains(parts[1]), "{name}: {v}: not a VOLUME");
            assert!(
                img.writable_dir(parts[1]),
                "{}: not made for the user",
                parts[1]
            );
        }
    }
    assert!(script.contains("--state-dir /state") && script.contains("> /state/ready.json"));
    let check = list(&mock["healthcheck"]["test"]);
    assert_eq!(check.last().unwrap(), "/state/ready.json");
    assert_eq!(
        text(&service(&compose, "client")["environment"]["STATE"]),
        "/state"
    );
    // The client's store default and the working directory.
    let client_sh = read("docker/client.sh");
    let store = client_sh
        .lines()
        .find_map(|l| l.strip_prefix("STORE=${STORE:-"))
        .and_then(|l| l.strip_suffix('}'))
        .unwrap();
    assert!(img.writable_dir(store), "{store}");
    assert!(
        store.starts_with(&img.workdir),
        "{store} under {}",
        img.workdir
    );
    // The case files: `$CERTRENEW_SCENARIOS/$CASE.toml` is the copied
    // scenarios/ directory, which holds case files mock-ra reads.
    assert!(
        script.contains("\"$$CERTRENEW_SCENARIOS/$$CASE.toml\""),
        "{script}"
    );
    let scenarios = &img.env["CERTRENEW_SCENARIOS"];
    assert_eq!(
        img.copies.get(scenarios).map(String::as_str),
        Some("scenarios")
    );
    let case = root().join("scenarios/e550a-password-locked.toml");
    let out = Command::new(MOCK_RA)
        .arg("check")
        .arg(&case)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Ports: what the compose file exposes is EXPOSEd, and is what mock-ra
    // is told to listen on.
    let exposed: BTreeSet<u16> = list(&mock["expose"])
        .iter()
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(exposed, img.exposed);
    let words: Vec<&str> = script.split_whitespace().collect();
    let value = |flag: &str| {
        let at = words.iter().position(|w| *w == flag).unwrap();
        words[at + 1]
    };
    let listened: BTreeSet<u16> = ["--https-port", "--http-port", "--admin-port"]
        .iter()
        .map(|f| value(f).parse().unwrap())
        .collect();
    assert_eq!(listened, img.exposed);
    assert_eq!(
        value("--bind"),
        "0.0.0.0",
        "reachable from the compose network"
    );
    // Publishing: the override publishes the hosts' ports, never the admin API.
    let publish = yaml("docker/compose.publish.yml");
    let admin: u16 = value("--admin-port").parse().unwrap();
    let published: Vec<(u16, u16)> = list(&publish["services"]["mock"]["ports"])
        .iter()
        .map(|p| {
            let (host, container) = p.split_once(':').unwrap();
            (host.parse().unwrap(), container.parse().unwrap())
        })
        .collect();
    assert_eq!(
        published,
        [
            (443, value("--https-port").parse().unwrap()),
            (80, value("--http-port").parse().unwrap())
        ]
    );
    assert!(
        published
            .iter()
            .all(|(_, c)| *c != admin && img.exposed.contains(c))
    );
    assert!(
        mock["ports"].is_badvalue(),
        "the base file publishes nothing"
    );

    // Names: the mock answers to the four real hostnames on the network
    // the client is on.
    let aliases: BTreeSet<String> = list(&mock["networks"]["bank"]["aliases"])
        .into_iter()
        .collect();
    let real: BTreeSet<String> = Host::ALL.iter().map(|h| h.hostname().to_owned()).collect();
    assert_eq!(aliases, real);
    assert_eq!(list(&service(&compose, "client")["networks"]), ["bank"]);
    assert!(keys(&compose["networks"]).contains(&"bank".to_owned()));
}

#[test]
fn the_flags_the_files_use_are_the_binaries_own() {
    let compose = yaml("docker-compose.yml");
    let serve_help = help(Path::new(MOCK_RA), &["serve"]);
    let accepted = flags(&serve_help);
    let used = flags(&mock_script(&compose));
    assert!(!used.is_empty());
    let unknown: Vec<_> = used.difference(&accepted).collect();
    assert!(
        unknown.is_empty(),
        "mock-ra serve does not take {unknown:?}"
    );
    // docker/client.sh's certrenew flags are exercised for real by the
    // harness's tests/containers.rs, which runs the client service.
}
