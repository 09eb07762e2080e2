//! Resumption tokens: opaque to harvesters, stateless here. A token is the
//! list request itself (verb, format, date range, set) and how far the
//! harvester got, as base64url JSON; nothing is kept between requests, so a
//! token never expires (`expirationDate` is not sent). The list is ordered by
//! datestamp, so a record that changes during a harvest moves to its end:
//! the next incremental harvest (`from`) picks it up.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::request::{Format, ListVerb};

/// Version of the token layout; a token of another version is refused.
const VERSION: u8 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Token {
    v: u8,
    pub verb: ListVerb,
    pub format: Format,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// The project code of `project:<code>`.
    pub set: Option<String>,
    /// How many items were sent before.
    pub offset: u64,
}

impl Token {
    pub fn new(
        verb: ListVerb,
        format: Format,
        from: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        set: Option<String>,
        offset: u64,
    ) -> Self {
        Self {
            v: VERSION,
            verb,
            format,
            from,
            until,
            set,
            offset,
        }
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).expect("a token serialises"))
    }

    /// The token, if it is one of ours for this verb.
    pub fn decode(text: &str, verb: ListVerb) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
        let token: Token = serde_json::from_slice(&bytes).ok()?;
        (token.v == VERSION && token.verb == verb).then_some(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_are_bound_to_their_verb() {
        let t = Token::new(
            ListVerb::ListRecords,
            Format::OaiDc,
            Some("2026-01-02T03:04:05Z".parse().unwrap()),
            None,
            Some("ML".into()),
            200,
        );
        let text = t.encode();
        assert_eq!(Token::decode(&text, ListVerb::ListRecords), Some(t));
        assert_eq!(Token::decode(&text, ListVerb::ListIdentifiers), None);
        assert_eq!(Token::decode("not a token", ListVerb::ListRecords), None);
        assert_eq!(Token::decode("", ListVerb::ListRecords), None);
    }
}
