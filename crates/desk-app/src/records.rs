//! Customer records for the agent: searched, opened and paged through desk-server.
//!
//! Every read goes to the server with the session's access token; the server decides what the
//! agent may see and redacts before it answers, so what arrives here is already the agent's view.
//! Wipes ordered by an administrator are carried out before the first read of a process. Opened
//! customers, their transactions and opened tickets are then kept in the encrypted cache; when
//! the server or the identity provider cannot be reached, the same reads are answered from the
//! cache (see `offline`). Each answer says where it came from ([`Source`]) and as of when.

use std::future::Future;
use std::sync::Arc;

use desk_cache::{Cache, CacheError, Cached, Records};
use desk_core::AuditAction;
use desk_core::record::{Customer, Ticket, Transaction};
use serde::Serialize;

use crate::policy::now;
use crate::{App, AppError, ErrorCode};

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

/// A page of items and where the next one starts, as the server sends it.
pub use desk_api::Page;

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

/// `path?key=value&…` with the values percent-encoded.
pub(crate) fn with_query(
    path: &str,
    params: &[(&str, Option<String>)],
) -> Result<String, AppError> {
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

/// Whether `e` means the server or the provider could not be reached: time to read the cache.
fn is_offline(e: &AppError) -> bool {
    matches!(
        e.code(),
        ErrorCode::ServerUnreachable | ErrorCode::ProviderUnreachable
    )
}

/// A list read from the cache as one cached value, as of its oldest item.
fn cached_list<T>(items: Vec<Cached<T>>) -> Option<Cached<Page<T>>> {
    let fetched_at = items.iter().map(|c| c.fetched_at).min()?;
    let expires_at = items.iter().map(|c| c.expires_at).min()?;
    Some(Cached {
        value: Page {
            items: items.into_iter().map(|c| c.value).collect(),
            next_cursor: None,
        },
        fetched_at,
        expires_at,
    })
}

impl App {
    /// `GET path` from the server with the session's token (refreshed once on a 401), after
    /// carrying out any wipe ordered for this agent. Returns the agent's subject too.
    async fn read<T: serde::de::DeserializeOwned>(
        &self,
        path: String,
    ) -> Result<(String, T), AppError> {
        let session = self.session().await?;
        let subject = session.identity().subject;
        if !self.wipes_checked.load(std::sync::atomic::Ordering::SeqCst) {
            self.check_wipes(&subject).await?;
            self.wipes_checked
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
        let api = self.server_api().await?;
        let value = self
            .with_token(&session, |token| {
                let api = api.clone();
                let path = path.clone();
                async move { api.get_json(&path, token).await }
            })
            .await?;
        Ok((subject, value))
    }

    /// Reads online, keeping what `keep` picks in the cache; offline, answers with `offline`.
    async fn online_or_cached<T, K, F, Fut>(
        &self,
        path: String,
        keep: K,
        action: AuditAction,
        resource: &str,
        offline: F,
    ) -> Result<Sourced<T>, AppError>
    where
        T: serde::de::DeserializeOwned,
        K: FnOnce(&T) -> Option<Records>,
        F: FnOnce(Arc<Cache>, i64) -> Fut,
        Fut: Future<Output = Result<Option<Cached<T>>, CacheError>>,
    {
        match self.read::<T>(path).await {
            Ok((subject, value)) => {
                // The server answers this version: whatever it said before no longer holds.
                crate::retired::forget(&self.config.data_dir);
                if let Some(records) = keep(&value) {
                    self.remember(&subject, records).await;
                }
                // The server answers: the moment for views queued while it did not.
                self.upload_views_quietly().await;
                Ok(Sourced {
                    source: Source::Server,
                    as_of: now(),
                    value,
                })
            }
            Err(e) if is_offline(&e) => {
                // Offline, the server's last word on this version stands: a retired version
                // reads nothing from the cache either.
                crate::retired::check(&self.config.data_dir, &self.version)?;
                tracing::info!(error = %e, "offline: reading the local cache");
                self.offline_read(action, resource, offline).await
            }
            Err(e) => Err(e),
        }
    }

    /// Whether desk-server answers its health check: a window showing cached data polls this
    /// to refresh once the server is back, without reading (and auditing) a record to find out.
    pub async fn server_reachable(&self) -> bool {
        match self.server_api().await {
            Ok(server) => server.healthy().await,
            Err(_) => false,
        }
    }

    /// Customers matching `text` (a name, an e-mail address, a phone or an account number).
    /// Offline, the cached customers whose name or masked contact data match.
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
        let text = text.to_owned();
        self.online_or_cached(
            path,
            |_| None,
            AuditAction::CustomerSearch,
            "customers",
            |cache, now| async move { Ok(cached_list(cache.search(&text, 25, now).await?)) },
        )
        .await
    }

    /// One customer with the accounts and cards the agent may see.
    pub async fn customer(&self, id: i64) -> Result<Sourced<Customer>, AppError> {
        self.online_or_cached(
            format!("/v1/customers/{id}"),
            |c: &Customer| {
                Some(Records {
                    customers: vec![c.clone()],
                    ..Records::default()
                })
            },
            AuditAction::CustomerView,
            &format!("customer:{id}"),
            |cache, now| async move { cache.customer(id, now).await },
        )
        .await
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
        let limit = query.limit.unwrap_or(50);
        self.online_or_cached(
            path,
            |page: &Page<Transaction>| {
                Some(Records {
                    transactions: page
                        .items
                        .iter()
                        .map(|t| (customer_id, t.clone()))
                        .collect(),
                    ..Records::default()
                })
            },
            AuditAction::TransactionsView,
            &format!("customer:{customer_id}"),
            |cache, now| async move {
                Ok(cached_list(
                    cache.transactions(customer_id, limit, None, now).await?,
                ))
            },
        )
        .await
    }

    /// A page of a customer's tickets, most recently updated first; `cursor` is the previous
    /// page's `next_cursor`. Offline, the tickets opened before, all on the first page.
    pub async fn tickets(
        &self,
        customer_id: i64,
        cursor: Option<&str>,
    ) -> Result<Sourced<Page<Ticket>>, AppError> {
        let path = with_query(
            &format!("/v1/customers/{customer_id}/tickets"),
            &[("cursor", cursor.map(str::to_owned))],
        )?;
        let first = cursor.is_none();
        self.online_or_cached(
            path,
            |_| None,
            AuditAction::TicketsView,
            &format!("customer:{customer_id}"),
            |cache, now| async move {
                if !first {
                    // Every cached ticket came with the first page; a later one has nothing more.
                    return Ok(Some(Cached {
                        value: Page {
                            items: Vec::new(),
                            next_cursor: None,
                        },
                        fetched_at: now,
                        expires_at: now,
                    }));
                }
                Ok(cached_list(cache.tickets(customer_id, now).await?))
            },
        )
        .await
    }

    /// Adds a reply to the customer (or, with `internal`, an agents' note) to ticket `id`. Needs
    /// the server: replies are never queued offline.
    pub async fn reply(
        &self,
        id: i64,
        body: &str,
        internal: bool,
    ) -> Result<desk_core::record::Message, AppError> {
        let session = self.session().await?;
        let api = self.server_api().await?;
        let path = format!("/v1/tickets/{id}/messages");
        let body = desk_api::Reply {
            body: body.to_owned(),
            internal,
        };
        self.with_token(&session, |token| {
            let api = api.clone();
            let path = path.clone();
            let body = body.clone();
            async move { api.post_json(&path, token, &body).await }
        })
        .await
    }

    /// One ticket with the messages the agent may see.
    pub async fn ticket(&self, id: i64) -> Result<Sourced<Ticket>, AppError> {
        self.online_or_cached(
            format!("/v1/tickets/{id}"),
            |t: &Ticket| {
                Some(Records {
                    tickets: vec![t.clone()],
                    ..Records::default()
                })
            },
            AuditAction::TicketView,
            &format!("ticket:{id}"),
            |cache, now| async move { cache.ticket(id, now).await },
        )
        .await
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
