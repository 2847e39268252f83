//! The one reader of an HTTP/1 request head, for the listeners that look
//! at a request before hyper does: the forward proxy (which answers it
//! itself) and the HTTP virtual host (which picks the host by it and then
//! replays the bytes to hyper, which answers). Bytes are read until
//! httparse finds the head complete, the peer ends its stream, httparse
//! refuses them, or `limit` bytes came without a complete head. A head
//! ends at its first blank line. A leaf: it names no other module of the
//! crate; timeouts are the callers'.

use tokio::io::{AsyncRead, AsyncReadExt};

/// A request head as httparse read it. Header lines httparse cannot read
/// are left out (as a lenient proxy does); header values are read lossily
/// as UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// The host the head names: the authority of an absolute-form target,
    /// else the `Host` header.
    pub fn host(&self) -> Option<&str> {
        if let Some(rest) = self
            .target
            .strip_prefix("http://")
            .or_else(|| self.target.strip_prefix("https://"))
        {
            return Some(rest.split('/').next().unwrap_or(""));
        }
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("host"))
            .map(|(_, v)| v.as_str())
    }
}

/// How reading a head ended.
#[derive(Debug)]
pub(crate) enum Ending {
    /// A complete head of `len` bytes; the bytes after it came early.
    Complete { head: Head, len: usize },
    /// No complete head within the limit.
    TooLong,
    /// Not an HTTP/1 request head.
    Malformed,
    /// The peer ended its stream before the head was complete (before
    /// anything at all when no bytes came).
    Eof,
}

/// The bytes read, and how reading ended.
#[derive(Debug)]
pub(crate) struct Read {
    pub bytes: Vec<u8>,
    pub ending: Ending,
}

/// Reads one request head from `stream`, at most `limit` bytes of it.
pub(crate) async fn read<R: AsyncRead + Unpin>(
    stream: &mut R,
    limit: usize,
) -> std::io::Result<Read> {
    let mut bytes = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(Read {
                bytes,
                ending: Ending::Eof,
            });
        }
        bytes.extend_from_slice(&chunk[..n]);
        let ending = match parse(&bytes) {
            Ok(Some((_, len))) if len > limit => Ending::TooLong,
            Ok(Some((head, len))) => Ending::Complete { head, len },
            Ok(None) if bytes.len() >= limit => Ending::TooLong,
            Ok(None) => continue,
            Err(Malformed) => Ending::Malformed,
        };
        return Ok(Read { bytes, ending });
    }
}

/// httparse refused the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Malformed;

/// The head at the start of `bytes` and its length; `None` while it is
/// incomplete.
pub(crate) fn parse(bytes: &[u8]) -> Result<Option<(Head, usize)>, Malformed> {
    // One header per line at most, so httparse never runs out of room.
    let lines = bytes.iter().filter(|b| **b == b'\n').count();
    let mut headers = vec![httparse::EMPTY_HEADER; lines];
    let mut request = httparse::Request::new(&mut headers);
    let mut config = httparse::ParserConfig::default();
    config.ignore_invalid_headers_in_requests(true);
    match config.parse_request(&mut request, bytes) {
        Ok(httparse::Status::Complete(len)) => Ok(Some((
            Head {
                method: request.method.unwrap_or_default().to_owned(),
                target: request.path.unwrap_or_default().to_owned(),
                headers: request
                    .headers
                    .iter()
                    .map(|h| {
                        let value = String::from_utf8_lossy(h.value);
                        (h.name.to_owned(), value.trim().to_owned())
                    })
                    .collect(),
            },
            len,
        ))),
        // The blank line came but httparse wants more (blank lines before
        // the request line): no head ends there.
        Ok(httparse::Status::Partial) if bytes.windows(4).any(|w| w == b"\r\n\r\n") => {
            Err(Malformed)
        }
        Ok(httparse::Status::Partial) => Ok(None),
        Err(_) => Err(Malformed),
    }
}

/// The head made of the lines of `bytes` that arrived whole (a head cut
/// short by the limit or the peer): what it names so far.
pub(crate) fn whole_lines(bytes: &[u8]) -> Option<Head> {
    let end = bytes.windows(2).rposition(|w| w == b"\r\n")?;
    let mut lines = bytes[..end + 2].to_vec();
    lines.extend_from_slice(b"\r\n");
    parse(&lines).ok().flatten().map(|(head, _)| head)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read_all(parts: &[&[u8]], limit: usize) -> Read {
        // Each part arrives as its own read.
        let (mut client, mut server) = tokio::io::duplex(64 * 1024);
        let parts: Vec<Vec<u8>> = parts.iter().map(|p| p.to_vec()).collect();
        let writer = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            for p in parts {
                client.write_all(&p).await.unwrap();
                tokio::task::yield_now().await;
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        });
        let got = read(&mut server, limit).await.unwrap();
        writer.abort();
        got
    }

    #[tokio::test]
    async fn a_complete_head_with_its_early_body() {
        let got = read_all(
            &[b"POST http://repo1.secomtrust.net/x HTTP/1.1\r\nHost: elsewhere\r\nX-A:  b \r\n\r\nbody"],
            1024,
        )
        .await;
        let Ending::Complete { head, len } = got.ending else {
            panic!("{:?}", got.ending);
        };
        assert_eq!(head.method, "POST");
        assert_eq!(head.target, "http://repo1.secomtrust.net/x");
        assert_eq!(head.host(), Some("repo1.secomtrust.net"));
        assert_eq!(
            head.headers,
            [
                ("Host".to_owned(), "elsewhere".to_owned()),
                ("X-A".to_owned(), "b".to_owned())
            ]
        );
        assert_eq!(&got.bytes[len..], b"body");
    }

    #[tokio::test]
    async fn a_head_split_across_reads_is_read_whole() {
        let got = read_all(
            &[
                b"GET / HT",
                b"TP/1.1\r\nHost: repo1.secomtrust.net:80\r",
                b"\n\r\n",
            ],
            1024,
        )
        .await;
        let Ending::Complete { head, len } = got.ending else {
            panic!("{:?}", got.ending);
        };
        assert_eq!(head.host(), Some("repo1.secomtrust.net:80"));
        assert_eq!(len, got.bytes.len());
    }

    #[tokio::test]
    async fn a_head_over_the_limit_is_too_long_and_names_what_came_whole() {
        let mut big = b"GET / HTTP/1.1\r\nHost: repo1.secomtrust.net\r\n".to_vec();
        for i in 0..100 {
            big.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "x".repeat(60)).as_bytes());
        }
        let got = read_all(&[&big], 1024).await;
        assert!(matches!(got.ending, Ending::TooLong), "{:?}", got.ending);
        assert!(got.bytes.len() >= 1024);
        let head = whole_lines(&got.bytes).unwrap();
        assert_eq!(head.host(), Some("repo1.secomtrust.net"));
        // A complete head longer than the limit is too long as well.
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(2000));
        let got = read_all(&[long.as_bytes()], 1024).await;
        assert!(matches!(got.ending, Ending::TooLong), "{:?}", got.ending);
    }

    #[tokio::test]
    async fn garbage_is_malformed_without_waiting_for_more() {
        for garbage in [
            &b"\x16\x03\x01 nonsense\r\n\r\n"[..],
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
            b"GET / HTTP/9.9\r\n\r\n",
            b"\r\n\r\n",
            b"GET  /  HTTP/1.1\r\n\r\n",
        ] {
            let got = read_all(&[garbage], 1024).await;
            assert!(
                matches!(got.ending, Ending::Malformed),
                "{garbage:?}: {:?}",
                got.ending
            );
        }
        // A header line httparse cannot read is left out.
        let (head, _) = parse(b"GET / HTTP/1.1\r\nno colon\r\nHost: a\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(head.headers, [("Host".to_owned(), "a".to_owned())]);
    }

    #[tokio::test]
    async fn the_end_of_stream_before_a_head_is_eof() {
        let got = read_all(&[], 1024).await;
        assert!(matches!(got.ending, Ending::Eof) && got.bytes.is_empty());
        let got = read_all(&[b"GET / HTTP/1.1\r\nHost: a"], 1024).await;
        assert!(matches!(got.ending, Ending::Eof), "{:?}", got.ending);
        assert_eq!(got.bytes, b"GET / HTTP/1.1\r\nHost: a");
        assert_eq!(whole_lines(&got.bytes).unwrap().host(), None);
    }
}
