//! The detail of a certificate or key that cannot be read: a leaf of the
//! catalogue, which the other details name.

use crate::cert::CertError;
use crate::messages::lang::Lang;

/// A certificate or key that cannot be read.
pub fn cert(ce: &CertError, lang: Lang) -> String {
    match (ce, lang) {
        (CertError::Certificate(_), Lang::Ja) => "X.509 証明書として読み取れません".into(),
        (CertError::Certificate(why), Lang::En) => {
            format!("not a DER X.509 certificate: {why}")
        }
        (CertError::NoPem(_), Lang::Ja) => "PEM 形式のデータが見つかりません".into(),
        (CertError::NoPem(label), Lang::En) => format!("no {label} found in the PEM text"),
        (CertError::Key(_), Lang::Ja) => "秘密鍵を読み取れないか、対応していない形式です".into(),
        (CertError::Key(why), Lang::En) => format!("unusable private key: {why}"),
    }
}
