//! The classes of outcomes: one exit code and one message each (the
//! messages are the catalogue's, `catalogue/classes.rs`). A leaf: the
//! error type maps onto it ([`crate::error::Error::class`]).

use std::fmt;

use serde::Serialize;

/// What kind of success a command had; each has its own message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Success {
    /// `renew`: the new certificate is stored with its chain (D4.6).
    Renewed,
    /// `list`: candidates shown.
    Listed,
    /// `check`: all three hosts answered (D3.1).
    Reachable,
    /// `verify`: the confirmation page showed success (D5.1).
    Confirmed,
    /// `import`: the identity is in the store.
    Imported,
    /// `export`: the PKCS#12 file is written.
    Exported,
    /// `roots`: trusted roots shown.
    Roots,
    /// `roots add`: the root is in the trust list (D4.5).
    RootAdded,
}

/// The class of an outcome: one exit code and one message each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Success of some kind (exit 0).
    Success(Success),
    /// A bug or an impossible state (exit 1).
    Internal,
    /// A command line that cannot be carried out (exit 2).
    Usage,
    /// `115:データの問合せに失敗しました。` (exit 3, D6.1).
    E115,
    /// `証明書がありません。` (exit 4, D6.2, D6.3).
    NoCert,
    /// `550:...認証に失敗しました。` (exit 5, D6.4-D6.8).
    E550A,
    /// `550:...既に証明書を取得済みです。` (exit 6, D6.9, D6.10).
    E550F,
    /// The CA's root was not trusted: declined or wrong thumbprint (exit 7, D4.5).
    RootNotTrusted,
    /// `証明書をインポートできませんでした。` (exit 8, D8.3).
    EImport,
    /// The confirmation page did not show success (exit 9, D6.11).
    EConfirm,
}

impl Class {
    /// Every failure class, for tests and documentation.
    pub const FAILURES: [Class; 9] = [
        Class::Internal,
        Class::Usage,
        Class::E115,
        Class::NoCert,
        Class::E550A,
        Class::E550F,
        Class::RootNotTrusted,
        Class::EImport,
        Class::EConfirm,
    ];

    /// The process exit code (DESIGN "The client").
    pub fn exit_code(self) -> u8 {
        match self {
            Class::Success(_) => 0,
            Class::Internal => 1,
            Class::Usage => 2,
            Class::E115 => 3,
            Class::NoCert => 4,
            Class::E550A => 5,
            Class::E550F => 6,
            Class::RootNotTrusted => 7,
            Class::EImport => 8,
            Class::EConfirm => 9,
        }
    }

    /// The class name in JSON output and on the wire (`E115`, `ENOCERT`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Class::Success(_) => "success",
            Class::Internal => "EINTERNAL",
            Class::Usage => "EUSAGE",
            Class::E115 => "E115",
            Class::NoCert => "ENOCERT",
            Class::E550A => "E550A",
            Class::E550F => "E550F",
            Class::RootNotTrusted => "EROOT",
            Class::EImport => "EIMPORT",
            Class::EConfirm => "ECONFIRM",
        }
    }

    /// The class of a problem `class` on the wire (docs/protocol.md 2.5), for
    /// the three the customer sees; `None` for anything else.
    pub fn from_wire(class: &str) -> Option<Class> {
        match class {
            "ENOCERT" => Some(Class::NoCert),
            "E550A" => Some(Class::E550A),
            "E550F" => Some(Class::E550F),
            _ => None,
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
