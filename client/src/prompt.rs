//! Talking to the person at the terminal: the password without echo (D4.1),
//! yes/no questions (D4.5), picking from a list (その他, D4.2), and the one
//! line a script writes on stdin (`--password-stdin`). Prompts go to stderr
//! so that stdout carries only results.
//!
//! Standard input is read only through a [`Prompter`], and never under a
//! lock held across calls: each read takes and releases std's stdin lock, so
//! a later question reads the same stream (and the same buffer) again.

use std::io::{self, BufRead, IsTerminal, Write};

use zeroize::Zeroizing;

use crate::cert::CertFacts;

pub use secrecy::ExposeSecret;

/// A password or passphrase: secrecy's string. Its `Debug` never shows it,
/// its memory is wiped when dropped, and it is read only through
/// [`ExposeSecret::expose_secret`], at the one place that sends it.
pub type Secret = secrecy::SecretString;

/// Keeps `s` as a [`Secret`] and wipes the `String` it came in: secrecy's
/// `From<String>` shrinks the string into a box, which may move it and
/// free the old bytes unwiped, so the secret is copied from a `&str` (an
/// exact allocation) and the original is zeroized.
pub fn secret(s: String) -> Secret {
    let s = Zeroizing::new(s);
    Secret::from(s.as_str())
}

/// Reads one line (without its line ending) from `input`: the
/// `--password-stdin` / `--passphrase-stdin` way.
pub fn read_secret_line(input: &mut dyn BufRead) -> io::Result<Secret> {
    let mut line = Zeroizing::new(String::new());
    input.read_line(&mut line)?;
    let trimmed = line.trim_end_matches(['\r', '\n']);
    Ok(Secret::from(trimmed))
}

/// The questions a command may ask.
pub trait Prompter {
    /// Whether a person can answer (stdin is a terminal).
    fn interactive(&self) -> bool;
    /// Reads one line of standard input (without its ending), terminal or
    /// not: the `--password-stdin` / `--passphrase-stdin` way.
    fn stdin_line(&mut self) -> io::Result<Secret>;
    /// Asks for a secret without echo.
    fn secret(&mut self, prompt: &str) -> io::Result<Secret>;
    /// Asks a yes/no question; only `y`/`yes` is yes.
    fn confirm(&mut self, question: &str) -> io::Result<bool>;
    /// Shows `lines` and asks for a number in `1..=count`; `None` when the
    /// answer is empty or not such a number.
    fn choose(
        &mut self,
        lines: &[String],
        question: &str,
        count: usize,
    ) -> io::Result<Option<usize>>;
}

/// The real terminal.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    interactive: bool,
}

impl Terminal {
    /// Looks at stdin to tell whether a person is there.
    pub fn detect() -> Self {
        Self {
            interactive: io::stdin().is_terminal(),
        }
    }

    fn ask_line(&self, question: &str) -> io::Result<String> {
        {
            let mut err = io::stderr().lock();
            write!(err, "{question}")?;
            err.flush()?;
        }
        // `Stdin::read_line` locks stdin for this one read only.
        let mut line = String::new();
        io::stdin().read_line(&mut line)?;
        Ok(line.trim().to_owned())
    }
}

impl Prompter for Terminal {
    fn interactive(&self) -> bool {
        self.interactive
    }

    fn stdin_line(&mut self) -> io::Result<Secret> {
        read_secret_line(&mut io::stdin().lock())
    }

    #[cfg(unix)]
    fn secret(&mut self, prompt: &str) -> io::Result<Secret> {
        // Echo goes off *before* the prompt shows: whatever is typed once
        // the prompt is visible (typeahead, a pasted line, a script on a
        // pty) is never echoed. Only the newline is (ECHONL).
        use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
        let stdin = io::stdin();
        let saved = tcgetattr(&stdin)?;
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        quiet.local_modes.insert(LocalModes::ECHONL);
        tcsetattr(&stdin, OptionalActions::Now, &quiet)?;
        let read = (|| {
            let mut err = io::stderr().lock();
            write!(err, "{prompt}")?;
            err.flush()?;
            drop(err);
            read_secret_line(&mut stdin.lock())
        })();
        // Restored whatever the read did; a failure to restore is reported
        // only when the read itself went well.
        let restored = tcsetattr(&stdin, OptionalActions::Now, &saved);
        let secret = read?;
        restored?;
        Ok(secret)
    }

    #[cfg(not(unix))]
    fn secret(&mut self, prompt: &str) -> io::Result<Secret> {
        let mut err = io::stderr().lock();
        write!(err, "{prompt}")?;
        err.flush()?;
        drop(err);
        rpassword::read_password().map(secret)
    }

    fn confirm(&mut self, question: &str) -> io::Result<bool> {
        let answer = self.ask_line(question)?.to_ascii_lowercase();
        Ok(answer == "y" || answer == "yes")
    }

    fn choose(
        &mut self,
        lines: &[String],
        question: &str,
        count: usize,
    ) -> io::Result<Option<usize>> {
        {
            let mut err = io::stderr().lock();
            for l in lines {
                writeln!(err, "{l}")?;
            }
        }
        let answer = self.ask_line(question)?;
        Ok(answer
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=count).contains(n)))
    }
}

/// For paths that never ask (and must not read stdin): not interactive,
/// every question answered no.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoQuestions;

impl Prompter for NoQuestions {
    fn interactive(&self) -> bool {
        false
    }
    fn stdin_line(&mut self) -> io::Result<Secret> {
        Err(io::Error::other("no input here"))
    }
    fn secret(&mut self, _: &str) -> io::Result<Secret> {
        Err(io::Error::other("no terminal here"))
    }
    fn confirm(&mut self, _: &str) -> io::Result<bool> {
        Ok(false)
    }
    fn choose(&mut self, _: &[String], _: &str, _: usize) -> io::Result<Option<usize>> {
        Ok(None)
    }
}

impl Dialog for NoQuestions {
    fn interactive(&self) -> bool {
        false
    }
    fn accept_root(&mut self, _: &str, _: &str) -> bool {
        false
    }
    fn pick(&mut self, _: &[&CertFacts]) -> Option<usize> {
        None
    }
}

/// The questions the domain asks the customer, as data: the selection
/// (D4.2 その他) and the trust decision (D4.5) say what they ask, the
/// presentation layer words it in the customer's language
/// (`messages::Asking`) and a [`Prompter`] reads the answer.
pub trait Dialog {
    /// Whether a person can answer.
    fn interactive(&self) -> bool;
    /// D4.5: whether to install the root `subject` whose SHA-1 thumbprint
    /// is `sha1` (in the manual's 8-digit groups); an unreadable answer is no.
    fn accept_root(&mut self, subject: &str, sha1: &str) -> bool;
    /// D4.2 その他: which of `candidates` (1-based, the first is the
    /// default); `None` when no valid number was given.
    fn pick(&mut self, candidates: &[&CertFacts]) -> Option<usize>;
}

/// Answers given in advance, for tests of the interactive paths.
#[cfg(test)]
#[derive(Debug, Default)]
pub struct Scripted {
    /// Answers in order.
    pub answers: std::collections::VecDeque<String>,
    /// The questions asked, in order.
    pub asked: Vec<String>,
}

#[cfg(test)]
impl Scripted {
    /// A prompter that answers with `answers` in order.
    pub fn new(answers: &[&str]) -> Self {
        Self {
            answers: answers.iter().map(|s| (*s).to_owned()).collect(),
            asked: Vec::new(),
        }
    }

    fn next(&mut self, q: &str) -> io::Result<String> {
        self.asked.push(q.to_owned());
        self.answers
            .pop_front()
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "no scripted answer"))
    }
}

#[cfg(test)]
impl Prompter for Scripted {
    fn interactive(&self) -> bool {
        true
    }
    fn stdin_line(&mut self) -> io::Result<Secret> {
        self.next("(stdin)").map(secret)
    }
    fn secret(&mut self, prompt: &str) -> io::Result<Secret> {
        self.next(prompt).map(secret)
    }
    fn confirm(&mut self, question: &str) -> io::Result<bool> {
        Ok(self.next(question)? == "y")
    }
    fn choose(&mut self, lines: &[String], q: &str, count: usize) -> io::Result<Option<usize>> {
        let mut all = lines.join("\n");
        all.push('\n');
        all.push_str(q);
        Ok(self
            .next(&all)?
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=count).contains(n)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug() {
        let s = secret("hunter2".into());
        assert!(format!("{s:?}").contains("REDACTED"), "{s:?}");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.expose_secret(), "hunter2");
        assert!(!format!("{:?}", Some(&s)).contains("hunter2"));
    }

    #[test]
    fn one_line_is_read_from_stdin_without_its_ending() {
        let mut input: &[u8] = b"pass word\r\nnext line\n";
        assert_eq!(
            read_secret_line(&mut input).unwrap().expose_secret(),
            "pass word"
        );
        let mut empty: &[u8] = b"";
        assert_eq!(read_secret_line(&mut empty).unwrap().expose_secret(), "");
    }
}
