//! Bulk import into the SQLite store: demo data, or records migrated from another system.
//!
//! A batch goes in as one transaction of multi-row `INSERT`s, each as large as SQLite's bound
//! parameter limit allows, so a million rows cost a few hundred statements rather than a million
//! round trips to the connection's worker thread. The derived search columns
//! (`customers.phone_tail`, `accounts.number_norm`) are computed here, with the same functions
//! the search uses on what an agent types ([`super::search`]), so both sides always agree.

use sqlx::query_builder::Separated;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::search::{normalize_iban, phone_tail};
use super::{Batch, StoreError};

/// SQLite's default `SQLITE_MAX_VARIABLE_NUMBER` since 3.32; builds may raise it, never lower.
const MAX_BOUND_PARAMETERS: usize = 32_766;

/// Inserts the whole batch in one transaction; nothing is written if any row fails.
///
/// Rows go in parent-first order, so the batch must be self-contained or refer only to rows
/// already stored. The name index is not updated: call [`finish_import`] after the last batch.
pub(crate) async fn import(pool: &SqlitePool, batch: &Batch) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;

    insert(
        &mut tx,
        "INSERT INTO customers (id, name, email, phone, phone_tail, date_of_birth, address, \
         tier, status, created_at) ",
        10,
        &batch.customers,
        |mut row, c| {
            row.push_bind(c.id)
                .push_bind(c.name.as_str())
                .push_bind(c.email.as_str())
                .push_bind(c.phone.as_str())
                .push_bind(phone_tail(&c.phone))
                .push_bind(c.date_of_birth.as_str())
                .push_bind(c.address.as_str())
                .push_bind(c.tier.as_str())
                .push_bind(c.status.as_str())
                .push_bind(c.created_at.as_str());
        },
    )
    .await?;

    insert(
        &mut tx,
        "INSERT INTO accounts (id, customer_id, number, number_norm, currency, balance, status, \
         opened_at) ",
        8,
        &batch.accounts,
        |mut row, a| {
            row.push_bind(a.id)
                .push_bind(a.customer_id)
                .push_bind(a.number.as_str())
                .push_bind(normalize_iban(&a.number))
                .push_bind(a.currency.as_str())
                .push_bind(a.balance)
                .push_bind(a.status.as_str())
                .push_bind(a.opened_at.as_str());
        },
    )
    .await?;

    insert(
        &mut tx,
        "INSERT INTO cards (id, account_id, number, brand, expiry, status) ",
        6,
        &batch.cards,
        |mut row, c| {
            row.push_bind(c.id)
                .push_bind(c.account_id)
                .push_bind(c.number.as_str())
                .push_bind(c.brand.as_str())
                .push_bind(c.expiry.as_str())
                .push_bind(c.status.as_str());
        },
    )
    .await?;

    insert(
        &mut tx,
        "INSERT INTO transactions (id, account_id, customer_id, time, amount, currency, \
         merchant, status, card_number, ip_address, description) ",
        11,
        &batch.transactions,
        |mut row, t| {
            row.push_bind(t.id)
                .push_bind(t.account_id)
                .push_bind(t.customer_id)
                .push_bind(t.time.as_str())
                .push_bind(t.amount)
                .push_bind(t.currency.as_str())
                .push_bind(t.merchant.as_str())
                .push_bind(t.status.as_str())
                .push_bind(t.card_number.as_deref())
                .push_bind(t.ip_address.as_deref())
                .push_bind(t.description.as_str());
        },
    )
    .await?;

    insert(
        &mut tx,
        "INSERT INTO tickets (id, customer_id, subject, status, priority, created_at, \
         updated_at) ",
        7,
        &batch.tickets,
        |mut row, t| {
            row.push_bind(t.id)
                .push_bind(t.customer_id)
                .push_bind(t.subject.as_str())
                .push_bind(t.status.as_str())
                .push_bind(t.priority.as_str())
                .push_bind(t.created_at.as_str())
                .push_bind(t.updated_at.as_str());
        },
    )
    .await?;

    insert(
        &mut tx,
        "INSERT INTO messages (id, ticket_id, internal, author, time, body) ",
        6,
        &batch.messages,
        |mut row, m| {
            row.push_bind(m.id)
                .push_bind(m.ticket_id)
                .push_bind(m.internal)
                .push_bind(m.author.as_str())
                .push_bind(m.time.as_str())
                .push_bind(m.body.as_str());
        },
    )
    .await?;

    tx.commit().await?;
    Ok(())
}

/// Makes imported customers findable by name and refreshes the planner's statistics.
///
/// The name index has external content and is rebuilt whole: cheaper after a bulk import than
/// keeping it current row by row, and the only way customers are written.
///
/// The statistics kept are `sqlite_stat1`'s only. The bundled SQLite is built with STAT4, and
/// with `sqlite_stat4` samples every statement that compares a bound value to an indexed column
/// is compiled again whenever that value changes (the value might choose another plan): the
/// ticket view's messages (`WHERE ticket_id = ?`) were compiled again for every ticket, a third
/// of the readers' time in ticket views (BENCHMARKS.md). Every read here is by key, where the
/// per-index row counts of `sqlite_stat1` choose the plan. A connection loads the statistics with
/// the schema, so a server started after the import never sees samples.
pub(crate) async fn finish_import(pool: &SqlitePool) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO customers_fts(customers_fts) VALUES('rebuild')")
        .execute(pool)
        .await?;
    sqlx::query("ANALYZE").execute(pool).await?;
    sqlx::query("DELETE FROM sqlite_stat4")
        .execute(pool)
        .await?;
    Ok(())
}

/// Deletes every customer record, children first, in one transaction, and empties the name
/// index. The audit chain and role definitions stay.
pub(crate) async fn clear_records(pool: &SqlitePool) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    for table in [
        "messages",
        "tickets",
        "transactions",
        "cards",
        "accounts",
        "customers",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("INSERT INTO customers_fts(customers_fts) VALUES('rebuild')")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Inserts `rows` with as many rows per statement as the parameter limit allows.
///
/// `head` is the `INSERT INTO … (columns) ` part; `bind` must push exactly `columns` values per
/// row. Every full-size statement has the same text, so the connection prepares it once.
async fn insert<'a, T>(
    conn: &mut SqliteConnection,
    head: &'static str,
    columns: usize,
    rows: &'a [T],
    mut bind: impl FnMut(Separated<'_, 'a, Sqlite, &'static str>, &'a T),
) -> Result<(), sqlx::Error> {
    let per_statement = MAX_BOUND_PARAMETERS / columns;
    let mut query = QueryBuilder::<Sqlite>::new(head);
    for chunk in rows.chunks(per_statement) {
        query.reset();
        query.push_values(chunk, &mut bind);
        query.build().execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use sqlx::sqlite::SqliteConnectOptions;

    use super::*;
    use crate::demo::{DemoOptions, batches};

    async fn pool(dir: &tempfile::TempDir) -> SqlitePool {
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("desk.db"))
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = SqlitePool::connect_with(options).await.unwrap();
        sqlx::migrate!("./migrations").run(&pool).await.unwrap();
        pool
    }

    async fn count(pool: &SqlitePool, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn imports_a_demo_set_and_makes_names_searchable() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir).await;
        let options = DemoOptions {
            customers: 40,
            seed: 11,
        };
        let mut expected = [0usize; 6];
        let mut first = None;
        for batch in batches(&options) {
            expected[0] += batch.customers.len();
            expected[1] += batch.accounts.len();
            expected[2] += batch.cards.len();
            expected[3] += batch.transactions.len();
            expected[4] += batch.tickets.len();
            expected[5] += batch.messages.len();
            first.get_or_insert_with(|| (batch.customers[0].clone(), batch.accounts[0].clone()));
            import(&pool, &batch).await.unwrap();
        }
        finish_import(&pool).await.unwrap();

        let tables = [
            "customers",
            "accounts",
            "cards",
            "transactions",
            "tickets",
            "messages",
        ];
        for (table, expected) in tables.iter().zip(expected) {
            assert_eq!(count(&pool, table).await, expected as i64, "{table}");
        }
        // Customer 7 is heavy, so the statements were split into several chunks.
        assert!(expected[3] > MAX_BOUND_PARAMETERS / 11, "{}", expected[3]);

        let (customer, account) = first.unwrap();
        let word = customer.name.split(' ').next().unwrap().to_owned();
        let found: Vec<i64> = sqlx::query_scalar(
            "SELECT rowid FROM customers_fts WHERE customers_fts MATCH ?1 ORDER BY rowid",
        )
        .bind(format!("\"{word}\""))
        .fetch_all(&pool)
        .await
        .unwrap();
        assert!(found.contains(&customer.id), "{word}: {found:?}");

        let tail: String = sqlx::query_scalar("SELECT phone_tail FROM customers WHERE id = ?1")
            .bind(customer.id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(tail, phone_tail(&customer.phone));
        let owner: i64 =
            sqlx::query_scalar("SELECT customer_id FROM accounts WHERE number_norm = ?1")
                .bind(normalize_iban(&account.number))
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(owner, customer.id);
        let internal: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE internal = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(internal > 0);
    }

    #[tokio::test]
    async fn clear_records_keeps_the_audit_trail_and_roles() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir).await;
        sqlx::query(
            "INSERT INTO audit (seq, time, actor, action, resource, outcome, detail, prev_hash, \
             hash) VALUES (1, '2026-01-01T00:00:00Z', 'a', 'search', 'customers', 'ok', '{}', \
             '', 'h')",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO role_definitions (role, definition, version, updated_at, updated_by) \
             VALUES ('l1', '{}', 1, '2026-01-01T00:00:00Z', 'defaults')",
        )
        .execute(&pool)
        .await
        .unwrap();
        let options = DemoOptions {
            customers: 5,
            seed: 3,
        };
        let name = {
            let batch = batches(&options).next().unwrap();
            import(&pool, &batch).await.unwrap();
            batch.customers[0].name.clone()
        };
        finish_import(&pool).await.unwrap();

        clear_records(&pool).await.unwrap();

        for table in [
            "customers",
            "accounts",
            "cards",
            "transactions",
            "tickets",
            "messages",
        ] {
            assert_eq!(count(&pool, table).await, 0, "{table}");
        }
        assert_eq!(count(&pool, "audit").await, 1);
        assert_eq!(count(&pool, "role_definitions").await, 1);
        let word = name.split(' ').next().unwrap();
        let found: i64 =
            sqlx::query_scalar("SELECT count(*) FROM customers_fts WHERE customers_fts MATCH ?1")
                .bind(format!("\"{word}\""))
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(found, 0);

        // The same ids import again: nothing of the old set is left behind.
        for batch in batches(&options) {
            import(&pool, &batch).await.unwrap();
        }
        finish_import(&pool).await.unwrap();
        assert_eq!(count(&pool, "customers").await, 5);
    }

    #[tokio::test]
    async fn a_failing_batch_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir).await;
        let options = DemoOptions {
            customers: 3,
            seed: 5,
        };
        let mut batch = batches(&options).next().unwrap();
        // A duplicate primary key in the last table written.
        let duplicate = batch.messages[0].clone();
        batch.messages.push(duplicate);
        assert!(import(&pool, &batch).await.is_err());
        assert_eq!(count(&pool, "customers").await, 0);
        assert_eq!(count(&pool, "transactions").await, 0);
    }
}
