//! `--connect-to HOST:PORT:ADDR:PORT`: reaching a host elsewhere while
//! keeping its real name for SNI, certificate checks and `Host`.

/// One `--connect-to HOST:PORT:ADDR:PORT` mapping (curl's syntax; an empty
/// HOST or PORT matches any, an empty target PORT keeps the original).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    /// Host the URL names (`None`: any).
    pub host: Option<String>,
    /// Port the URL names (`None`: any).
    pub port: Option<u16>,
    /// Where to connect instead (IP address or name; a name is resolved
    /// when connecting, not when the flag is read).
    pub to_host: String,
    /// Port to connect to (`None`: the URL's).
    pub to_port: Option<u16>,
}

impl std::str::FromStr for ConnectTo {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let fields =
            split_connect_to(s).ok_or_else(|| format!("{s:?}: expected HOST:PORT:ADDR:PORT"))?;
        let port = |p: &str| -> Result<Option<u16>, String> {
            if p.is_empty() {
                Ok(None)
            } else {
                p.parse::<u16>()
                    .map(Some)
                    .map_err(|_| format!("{s:?}: {p:?} is not a port number"))
            }
        };
        let to_host = fields[2].trim_start_matches('[').trim_end_matches(']');
        if to_host.is_empty() {
            return Err(format!("{s:?}: the address to connect to is empty"));
        }
        Ok(Self {
            host: (!fields[0].is_empty()).then(|| fields[0].to_ascii_lowercase()),
            port: port(fields[1])?,
            to_host: to_host.to_owned(),
            to_port: port(fields[3])?,
        })
    }
}

/// Splits on `:` outside `[...]` (IPv6 literals); exactly four fields.
fn split_connect_to(s: &str) -> Option<[&str; 4]> {
    let mut out = Vec::with_capacity(4);
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ':' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out.try_into().ok()
}

impl ConnectTo {
    /// Whether the mapping applies to `host:port`.
    pub(super) fn matches(&self, host: &str, port: u16) -> bool {
        self.host.as_deref().is_none_or(|h| h == host) && self.port.is_none_or(|p| p == port)
    }
}
