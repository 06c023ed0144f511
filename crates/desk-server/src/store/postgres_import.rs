//! Bulk import into the PostgreSQL store: demo data, or records migrated from another system.
//!
//! A batch goes in as one transaction with one statement per table: each column bound as one
//! array and the rows made by `UNNEST`, so a batch's size is bounded by memory, not by the
//! bound-parameter limit, and costs six round trips. The derived search columns
//! (`customers.phone_tail`, `customers.name_words`, `accounts.number_norm`) are computed here, with
//! the same functions the search uses on what an agent types ([`super::search`]).

use sqlx::PgPool;

use super::search::{name_words, normalize_iban, phone_tail};
use super::{Batch, StoreError};

/// Inserts the whole batch in one transaction; nothing is written if any row fails.
///
/// Rows go in parent-first order, so the batch must be self-contained or refer only to rows
/// already stored. The name index is kept current as rows go in (a GIN index), so
/// [`finish_import`] only refreshes the planner's statistics.
pub(crate) async fn import(pool: &PgPool, batch: &Batch) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;

    let c = &batch.customers;
    // Each name's words joined by spaces, split again in SQL: an array of arrays of different
    // lengths cannot be bound, and a word never holds a space.
    let words: Vec<String> = c.iter().map(|c| name_words(&c.name).join(" ")).collect();
    sqlx::query(
        "INSERT INTO customers (id, name, email, phone, phone_tail, date_of_birth, address, tier,
                                status, created_at, name_words)
         SELECT id, name, email, phone, phone_tail, date_of_birth, address, tier, status,
                created_at, COALESCE(string_to_array(NULLIF(words, ''), ' '), '{}')
         FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
           AS r(id, name, email, phone, phone_tail, date_of_birth, address, tier, status,
                created_at, words)",
    )
    .bind(c.iter().map(|c| c.id).collect::<Vec<_>>())
    .bind(c.iter().map(|c| c.name.as_str()).collect::<Vec<_>>())
    .bind(c.iter().map(|c| c.email.as_str()).collect::<Vec<_>>())
    .bind(c.iter().map(|c| c.phone.as_str()).collect::<Vec<_>>())
    .bind(c.iter().map(|c| phone_tail(&c.phone)).collect::<Vec<_>>())
    .bind(
        c.iter()
            .map(|c| c.date_of_birth.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(c.iter().map(|c| c.address.as_str()).collect::<Vec<_>>())
    .bind(c.iter().map(|c| c.tier.as_str()).collect::<Vec<_>>())
    .bind(c.iter().map(|c| c.status.as_str()).collect::<Vec<_>>())
    .bind(c.iter().map(|c| c.created_at.as_str()).collect::<Vec<_>>())
    .bind(words)
    .execute(&mut *tx)
    .await?;

    let a = &batch.accounts;
    sqlx::query(
        "INSERT INTO accounts (id, customer_id, number, number_norm, currency, balance, status,
                               opened_at)
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[],
                              $6::bigint[], $7::text[], $8::text[])",
    )
    .bind(a.iter().map(|a| a.id).collect::<Vec<_>>())
    .bind(a.iter().map(|a| a.customer_id).collect::<Vec<_>>())
    .bind(a.iter().map(|a| a.number.as_str()).collect::<Vec<_>>())
    .bind(
        a.iter()
            .map(|a| normalize_iban(&a.number))
            .collect::<Vec<_>>(),
    )
    .bind(a.iter().map(|a| a.currency.as_str()).collect::<Vec<_>>())
    .bind(a.iter().map(|a| a.balance).collect::<Vec<_>>())
    .bind(a.iter().map(|a| a.status.as_str()).collect::<Vec<_>>())
    .bind(a.iter().map(|a| a.opened_at.as_str()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;

    let k = &batch.cards;
    sqlx::query(
        "INSERT INTO cards (id, account_id, number, brand, expiry, status)
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[],
                              $6::text[])",
    )
    .bind(k.iter().map(|k| k.id).collect::<Vec<_>>())
    .bind(k.iter().map(|k| k.account_id).collect::<Vec<_>>())
    .bind(k.iter().map(|k| k.number.as_str()).collect::<Vec<_>>())
    .bind(k.iter().map(|k| k.brand.as_str()).collect::<Vec<_>>())
    .bind(k.iter().map(|k| k.expiry.as_str()).collect::<Vec<_>>())
    .bind(k.iter().map(|k| k.status.as_str()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;

    let t = &batch.transactions;
    sqlx::query(
        "INSERT INTO transactions (id, account_id, customer_id, time, amount, currency, merchant,
                                   status, card_number, ip_address, description)
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[],
                              $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                              $11::text[])",
    )
    .bind(t.iter().map(|t| t.id).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.account_id).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.customer_id).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.time.as_str()).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.amount).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.currency.as_str()).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.merchant.as_str()).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.status.as_str()).collect::<Vec<_>>())
    .bind(
        t.iter()
            .map(|t| t.card_number.as_deref())
            .collect::<Vec<_>>(),
    )
    .bind(
        t.iter()
            .map(|t| t.ip_address.as_deref())
            .collect::<Vec<_>>(),
    )
    .bind(t.iter().map(|t| t.description.as_str()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;

    let t = &batch.tickets;
    sqlx::query(
        "INSERT INTO tickets (id, customer_id, subject, status, priority, created_at, updated_at)
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[],
                              $6::text[], $7::text[])",
    )
    .bind(t.iter().map(|t| t.id).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.customer_id).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.subject.as_str()).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.status.as_str()).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.priority.as_str()).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.created_at.as_str()).collect::<Vec<_>>())
    .bind(t.iter().map(|t| t.updated_at.as_str()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;

    let m = &batch.messages;
    sqlx::query(
        "INSERT INTO messages (id, ticket_id, internal, author, time, body)
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::boolean[], $4::text[], $5::text[],
                              $6::text[])",
    )
    .bind(m.iter().map(|m| m.id).collect::<Vec<_>>())
    .bind(m.iter().map(|m| m.ticket_id).collect::<Vec<_>>())
    .bind(m.iter().map(|m| m.internal).collect::<Vec<_>>())
    .bind(m.iter().map(|m| m.author.as_str()).collect::<Vec<_>>())
    .bind(m.iter().map(|m| m.time.as_str()).collect::<Vec<_>>())
    .bind(m.iter().map(|m| m.body.as_str()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;

    tx.commit().await?;
    Ok(())
}

/// Refreshes the planner's statistics of the record tables after a bulk import (the name index
/// needs no rebuild, unlike SQLite's external-content FTS5 table).
pub(crate) async fn finish_import(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::query("ANALYZE customers, accounts, cards, transactions, tickets, messages")
        .execute(pool)
        .await?;
    Ok(())
}

/// Deletes every customer record in one statement (TRUNCATE of the six tables together, which
/// their foreign keys allow and which is transactional in PostgreSQL). The audit chain and role
/// definitions stay.
pub(crate) async fn clear_records(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::query("TRUNCATE messages, tickets, transactions, cards, accounts, customers")
        .execute(pool)
        .await?;
    Ok(())
}
