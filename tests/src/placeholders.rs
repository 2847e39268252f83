//! `{...}` placeholders in case files: `{client_root_pem}`, `{proxy}`,
//! `{client_root_sha1}`, `{serial:NAME}`, `{pem:NAME}`. Anything else in
//! braces is left as written.

/// What a placeholder stands for, from the running case.
pub trait Values {
    /// Why a value is not there (each running context has its own).
    type Error;
    /// The client-CA root's PEM file.
    fn client_root_pem(&self) -> Result<String, Self::Error>;
    /// The proxy's URL.
    fn proxy(&self) -> Result<String, Self::Error>;
    /// The client-CA root's SHA-1 as the manual shows it (D4.5).
    fn client_root_sha1(&self) -> Result<String, Self::Error>;
    /// The serial of the world identity `name`.
    fn serial(&self, name: &str) -> Result<String, Self::Error>;
    /// The certificate PEM file of the world identity `name`.
    fn pem(&self, name: &str) -> Result<String, Self::Error>;
}

/// Replaces every known placeholder in `text`.
pub fn substitute<V: Values + ?Sized>(text: &str, values: &V) -> Result<String, V::Error> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let inner = &rest[start + 1..start + len];
        let value = if inner == "client_root_pem" {
            values.client_root_pem()?
        } else if inner == "proxy" {
            values.proxy()?
        } else if inner == "client_root_sha1" {
            values.client_root_sha1()?
        } else if let Some(name) = inner.strip_prefix("serial:") {
            values.serial(name)?
        } else if let Some(name) = inner.strip_prefix("pem:") {
            values.pem(name)?
        } else {
            rest[start..start + len + 1].to_owned()
        };
        out.push_str(&value);
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;

    impl Values for Fixed {
        type Error = String;

        fn client_root_pem(&self) -> Result<String, Self::Error> {
            Ok("/w/client-root.pem".into())
        }
        fn proxy(&self) -> Result<String, Self::Error> {
            Ok("http://127.0.0.1:3128".into())
        }
        fn client_root_sha1(&self) -> Result<String, Self::Error> {
            Ok("0123abcd 4567ef01".into())
        }
        fn serial(&self, name: &str) -> Result<String, Self::Error> {
            match name {
                "old" => Ok("0a1b".into()),
                _ => Err(format!("no world identity `{name}`")),
            }
        }
        fn pem(&self, name: &str) -> Result<String, Self::Error> {
            Ok(format!("/w/identities/{name}/cert.pem"))
        }
    }

    #[test]
    fn every_placeholder_is_replaced() {
        assert_eq!(
            substitute(
                "{client_root_pem} {proxy} [{client_root_sha1}] {serial:old} {pem:new}",
                &Fixed
            ),
            Ok(
                "/w/client-root.pem http://127.0.0.1:3128 [0123abcd 4567ef01] 0a1b \
                /w/identities/new/cert.pem"
                    .into()
            )
        );
    }

    #[test]
    fn unknown_and_unclosed_braces_stay_as_written() {
        assert_eq!(
            substitute("{\"a\": 1} {other}", &Fixed),
            Ok("{\"a\": 1} {other}".into())
        );
        assert_eq!(
            substitute("x {serial:old", &Fixed),
            Ok("x {serial:old".into())
        );
        assert_eq!(substitute("", &Fixed), Ok(String::new()));
    }

    #[test]
    fn an_unknown_identity_is_an_error_naming_it() {
        assert_eq!(
            substitute("{serial:nobody}", &Fixed),
            Err("no world identity `nobody`".into())
        );
    }
}
