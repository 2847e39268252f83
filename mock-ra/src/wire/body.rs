//! The one reader of a JSON request body, for every endpoint that takes
//! one: webra2's login and issuance, the admin API, provider states. The
//! body as axum read it (within the router's limit), optionally required
//! to be a JSON object, read by serde_json as `T`. What went wrong is a
//! [`BodyError`]; each endpoint family answers it its own way (webra2 with
//! protocol 2's problem bodies, the admin API with its own), and the
//! descriptions that never quote the body ([`classify`], [`quiet`]) live
//! here too. A leaf: it names no other module of the crate.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use serde::de::DeserializeOwned;

/// What a body must be besides readable as `T`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A JSON object (serde would also read a struct from an array:
    /// `["PASSWORD"]`).
    Object,
    /// Whatever serde reads as `T`.
    Any,
}

/// Why a body did not read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyError {
    /// axum could not read it (too large, timed out, cut short).
    #[error("{}", .0.body_text())]
    Unread(BytesRejection),
    /// Another JSON value where [`Shape::Object`] was asked for.
    #[error("expected a JSON object, not another JSON value")]
    NotAnObject,
    /// serde_json refused it; shown without the offending value.
    #[error("{}", quiet(.0))]
    Invalid(serde_json::Error),
}

/// Reads `body` as JSON of type `T` (and of `shape`).
pub(crate) fn read_json<T: DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
    shape: Shape,
) -> Result<T, BodyError> {
    let bytes = body.map_err(BodyError::Unread)?;
    if shape == Shape::Object && bytes.trim_ascii_start().first() != Some(&b'{') {
        return Err(BodyError::NotAnObject);
    }
    serde_json::from_slice(&bytes).map_err(BodyError::Invalid)
}

/// A serde_json error in a few words, by its category alone.
pub(crate) fn classify(e: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match e.classify() {
        Category::Io => "could not read it",
        Category::Syntax => "not valid JSON",
        Category::Data => "a field is missing or has the wrong type",
        Category::Eof => "it ends too early",
    }
}

/// serde_json's message without the offending value (it could be a
/// password of the wrong type): field names and expectations only.
pub(crate) fn quiet(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match (message.split_once(':'), message.find(", expected")) {
        (Some((kind, _)), Some(at)) if kind.starts_with("invalid") => {
            format!("{kind}{}", &message[at..])
        }
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Login {
        #[allow(dead_code)]
        password: String,
    }

    fn read(text: &str, shape: Shape) -> Result<Login, BodyError> {
        read_json(Ok(Bytes::from(text.to_owned())), shape)
    }

    #[test]
    fn objects_read_other_values_and_bad_json_do_not() {
        assert!(read(r#" {"password":"x"}"#, Shape::Object).is_ok());
        // serde reads a struct from an array; only `Object` refuses it.
        assert!(read(r#"["x"]"#, Shape::Any).is_ok());
        assert!(matches!(
            read(r#"["x"]"#, Shape::Object),
            Err(BodyError::NotAnObject)
        ));
        let Err(BodyError::Invalid(e)) = read(r#"{"password": 12345678}"#, Shape::Object) else {
            panic!("a number is not a password");
        };
        assert_eq!(classify(&e), "a field is missing or has the wrong type");
        // The offending value is never shown.
        let shown = BodyError::Invalid(e).to_string();
        assert!(!shown.contains("12345678"), "{shown}");
        assert!(shown.contains("expected a string"), "{shown}");
        let Err(BodyError::Invalid(e)) = read("{", Shape::Object) else {
            panic!("cut short");
        };
        assert_eq!(classify(&e), "it ends too early");
    }
}
