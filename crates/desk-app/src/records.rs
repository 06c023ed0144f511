//! Customer records for the agent: searched, opened and paged through desk-server.
//!
//! Every read goes to the server with the session's access token; the server decides what the
//! agent may see and redacts before it answers, so what arrives here is already the agent's view.
//! Each answer says where it came from ([`Source`]) and as of when.

use std::future::Future;

use desk_core::record::{Customer, Ticket, Transaction};
use serde::{Deserialize, Serialize};

use crate::{App, AppError};

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// desk-server, just now.
    Server,
    /// The encrypted local cache, while the server could not be reached.
    Cache,
}

/// A value with its source and the time it was fetched from the server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sourced<T> {
    /// Where it came from.
    pub source: Source,
    /// When the server gave it, seconds since the epoch.
    pub as_of: i64,
    /// The value.
    #[serde(flatten)]
    pub value: T,
}

/// A page of items and where the next one starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass back to get the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Which transactions to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransactionQuery {
    /// From this date or time on (ISO date or RFC 3339).
    pub from: Option<String>,
    /// Before this date or time.
    pub to: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// Where to continue.
    pub cursor: Option<String>,
}

pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `path?key=value&…` with the values percent-encoded.
fn with_query(path: &str, params: &[(&str, Option<String>)]) -> Result<String, AppError> {
    let mut url = reqwest::Url::parse("http://desk.invalid")
        .map_err(|e| AppError::Internal(format!("URL: {e}")))?;
    url.set_path(path);
    {
        let mut query = url.query_pairs_mut();
        for (key, value) in params {
            if let Some(value) = value {
                query.append_pair(key, value);
            }
        }
    }
    Ok(match url.query() {
        Some(q) if !q.is_empty() => format!("{}?{q}", url.path()),
        _ => url.path().to_owned(),
    })
}

impl App {
    /// `GET path` from the server with the session's token (refreshed once on a 401).
    async fn read<T: serde::de::DeserializeOwned>(&self, path: String) -> Result<T, AppError> {
        let session = self.session().await?;
        let api = self.server_api().await?;
        self.with_token(&session, |token| {
            let api = api.clone();
            let path = path.clone();
            async move { api.get_json(&path, token).await }
        })
        .await
    }

    async fn sourced<T, F>(&self, fetch: F) -> Result<Sourced<T>, AppError>
    where
        F: Future<Output = Result<T, AppError>>,
    {
        let value = fetch.await?;
        Ok(Sourced {
            source: Source::Server,
            as_of: now(),
            value,
        })
    }

    /// Customers matching `text` (a name, an e-mail address, a phone or an account number).
    pub async fn search(
        &self,
        text: &str,
        cursor: Option<&str>,
    ) -> Result<Sourced<Page<Customer>>, AppError> {
        let path = with_query(
            "/v1/customers",
            &[
                ("q", Some(text.to_owned())),
                ("cursor", cursor.map(str::to_owned)),
            ],
        )?;
        self.sourced(self.read(path)).await
    }

    /// One customer with the accounts and cards the agent may see.
    pub async fn customer(&self, id: i64) -> Result<Sourced<Customer>, AppError> {
        self.sourced(self.read(format!("/v1/customers/{id}"))).await
    }

    /// A customer's transactions, newest first.
    pub async fn transactions(
        &self,
        customer_id: i64,
        query: &TransactionQuery,
    ) -> Result<Sourced<Page<Transaction>>, AppError> {
        let path = with_query(
            &format!("/v1/customers/{customer_id}/transactions"),
            &[
                ("from", query.from.clone()),
                ("to", query.to.clone()),
                ("status", query.status.clone()),
                ("limit", query.limit.map(|l| l.to_string())),
                ("cursor", query.cursor.clone()),
            ],
        )?;
        self.sourced(self.read(path)).await
    }

    /// A customer's tickets, most recently updated first.
    pub async fn tickets(&self, customer_id: i64) -> Result<Sourced<Page<Ticket>>, AppError> {
        self.sourced(self.read(format!("/v1/customers/{customer_id}/tickets")))
            .await
    }

    /// One ticket with the messages the agent may see.
    pub async fn ticket(&self, id: i64) -> Result<Sourced<Ticket>, AppError> {
        self.sourced(self.read(format!("/v1/tickets/{id}"))).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded_and_absent_ones_left_out() {
        let path = with_query(
            "/v1/customers",
            &[("q", Some("o'brien & co+1 #2".into())), ("cursor", None)],
        )
        .unwrap();
        assert_eq!(path, "/v1/customers?q=o%27brien+%26+co%2B1+%232");
        assert_eq!(with_query("/v1/tickets/1", &[]).unwrap(), "/v1/tickets/1");
    }
}
