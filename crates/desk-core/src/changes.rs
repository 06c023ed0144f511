//! What an administrator's change to a role definition or a layout changes, member by member:
//! the `changes` of its audit entry, and whether it widens what the role may see of personal or
//! restricted data (which then waits for a second administrator).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::field::{FieldClass, Redaction};
use crate::policy::RoleDefinition;
use crate::record::Field;
use crate::signed::Layout;

/// How much a redaction lets through: higher shows more.
fn shows(redaction: Redaction) -> u8 {
    match redaction {
        Redaction::Hidden => 0,
        Redaction::Full => 2,
        _ => 1,
    }
}

/// The redaction `definition` gives `field` (a field not listed is hidden).
fn redaction_of(definition: &RoleDefinition, field: Field) -> Redaction {
    definition
        .fields
        .get(&field)
        .copied()
        .unwrap_or(Redaction::Hidden)
}

/// The pii and restricted fields `after` shows more of than `before` does: newly shown, or shown
/// with less redaction (a mask to the whole value).
///
/// A larger read budget is not among them: it lets the role read more records in a while, not
/// more of any record, so it applies without a second administrator (its change is recorded
/// like any other, and the agents who then read in bulk still are).
pub fn widened_sensitive(before: &RoleDefinition, after: &RoleDefinition) -> Vec<Field> {
    Field::ALL
        .iter()
        .copied()
        .filter(|f| matches!(f.class(), FieldClass::Pii | FieldClass::Restricted))
        .filter(|&f| shows(redaction_of(after, f)) > shows(redaction_of(before, f)))
        .collect()
}

/// A set's change: `{"added": […], "removed": […]}`, or `None` when it is the same.
fn set_change<T: Ord + serde::Serialize>(
    before: &BTreeSet<T>,
    after: &BTreeSet<T>,
) -> Option<Value> {
    let added: Vec<&T> = after.difference(before).collect();
    let removed: Vec<&T> = before.difference(after).collect();
    (!added.is_empty() || !removed.is_empty()).then(|| json!({"added": added, "removed": removed}))
}

/// What changes from `before` to `after`: each member that differs, as a set's additions and
/// removals, a field's redaction before and after (`hidden` for a field not listed), a cache
/// time before and after, each member of the read budget before and after. Empty when nothing
/// changes. It holds names and numbers only, never a
/// customer's value.
pub fn definition_changes(before: &RoleDefinition, after: &RoleDefinition) -> Value {
    let mut changes = Map::new();
    if before.description != after.description {
        changes.insert(
            "description".into(),
            json!({"before": before.description, "after": after.description}),
        );
    }
    for (name, change) in [
        ("pages", set_change(&before.pages, &after.pages)),
        ("widgets", set_change(&before.widgets, &after.widgets)),
        ("actions", set_change(&before.actions, &after.actions)),
        ("search_by", set_change(&before.search_by, &after.search_by)),
    ] {
        if let Some(change) = change {
            changes.insert(name.into(), change);
        }
    }
    let fields: BTreeMap<&str, Value> = Field::ALL
        .iter()
        .filter(|&&f| redaction_of(before, f) != redaction_of(after, f))
        .map(|&f| {
            let change =
                json!({"before": redaction_of(before, f), "after": redaction_of(after, f)});
            (f.as_str(), change)
        })
        .collect();
    if !fields.is_empty() {
        changes.insert("fields".into(), json!(fields));
    }
    let kinds: BTreeSet<_> = before
        .cache
        .ttl_secs
        .keys()
        .chain(after.cache.ttl_secs.keys())
        .collect();
    let ttl: BTreeMap<String, Value> = kinds
        .into_iter()
        .filter(|k| before.cache.ttl_secs.get(k) != after.cache.ttl_secs.get(k))
        .map(|k| {
            let change = json!({
                "before": before.cache.ttl_secs.get(k),
                "after": after.cache.ttl_secs.get(k),
            });
            (k.to_string(), change)
        })
        .collect();
    if !ttl.is_empty() {
        changes.insert("cache_ttl_secs".into(), json!(ttl));
    }
    if before.cache.offline_grace_secs != after.cache.offline_grace_secs {
        changes.insert(
            "offline_grace_secs".into(),
            json!({
                "before": before.cache.offline_grace_secs,
                "after": after.cache.offline_grace_secs,
            }),
        );
    }
    let (b, a) = (&before.read_budget, &after.read_budget);
    let budget: Map<String, Value> = [
        (
            "reads_per_minute",
            json!(b.reads_per_minute),
            json!(a.reads_per_minute),
        ),
        ("burst", json!(b.burst), json!(a.burst)),
        (
            "bulk_customers_per_hour",
            json!(b.bulk_customers_per_hour),
            json!(a.bulk_customers_per_hour),
        ),
        ("block_bulk", json!(b.block_bulk), json!(a.block_bulk)),
    ]
    .into_iter()
    .filter(|(_, b, a)| b != a)
    .map(|(name, b, a)| (name.to_owned(), json!({"before": b, "after": a})))
    .collect();
    if !budget.is_empty() {
        changes.insert("read_budget".into(), Value::Object(budget));
    }
    Value::Object(changes)
}

/// What changes from layout `before` to `after`: each page whose widgets differ, with its
/// widgets before and after, in order.
pub fn layout_changes(before: &Layout, after: &Layout) -> Value {
    let pages: BTreeSet<_> = before.pages.keys().chain(after.pages.keys()).collect();
    let changes: Map<String, Value> = pages
        .into_iter()
        .filter(|p| before.pages.get(p) != after.pages.get(p))
        .map(|p| {
            let change = json!({
                "before": before.pages.get(p).cloned().unwrap_or_default(),
                "after": after.pages.get(p).cloned().unwrap_or_default(),
            });
            (p.to_string(), change)
        })
        .collect();
    Value::Object(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Page, Role, Widget};

    fn agent() -> RoleDefinition {
        RoleDefinition {
            role: Role::AgentL1,
            description: "first line".into(),
            pages: [Page::Search].into(),
            widgets: [Widget::SearchBox].into(),
            fields: [
                (Field::CustomerName, Redaction::Full),
                (Field::CustomerEmail, Redaction::MaskEmail),
                (Field::CardNumber, Redaction::Last4),
            ]
            .into(),
            actions: BTreeSet::new(),
            search_by: BTreeSet::new(),
            cache: Default::default(),
            read_budget: Default::default(),
        }
    }

    #[test]
    fn unmasking_or_showing_a_sensitive_field_widens_and_narrowing_does_not() {
        let before = agent();
        let mut after = agent();
        after.fields.insert(Field::CustomerEmail, Redaction::Full);
        after
            .fields
            .insert(Field::CustomerPhone, Redaction::MaskPhone);
        after.fields.insert(Field::CustomerTier, Redaction::Full);
        after.fields.remove(&Field::CardNumber);
        assert_eq!(
            widened_sensitive(&before, &after),
            [Field::CustomerEmail, Field::CustomerPhone],
            "tier is internal, the card number was narrowed"
        );
        assert!(widened_sensitive(&after, &before).contains(&Field::CardNumber));
        assert!(widened_sensitive(&before, &before).is_empty());
    }

    #[test]
    fn changes_name_each_member_that_differs_and_nothing_else() {
        let before = agent();
        assert_eq!(definition_changes(&before, &before), json!({}));
        let mut after = agent();
        after.actions.insert(Action::TicketReply);
        after.fields.insert(Field::CustomerEmail, Redaction::Full);
        after.fields.remove(&Field::CardNumber);
        after.cache.offline_grace_secs = 60;
        after.read_budget.burst = 5;
        after.read_budget.block_bulk = true;
        assert_eq!(
            definition_changes(&before, &after),
            json!({
                "actions": {"added": ["ticket.reply"], "removed": []},
                "fields": {
                    "card.number": {"before": "last4", "after": "hidden"},
                    "customer.email": {"before": "mask_email", "after": "full"},
                },
                "offline_grace_secs": {"before": 0, "after": 60},
                "read_budget": {
                    "burst": {"before": 120, "after": 5},
                    "block_bulk": {"before": false, "after": true},
                },
            })
        );
    }

    #[test]
    fn a_larger_read_budget_widens_no_field() {
        let before = agent();
        let mut after = agent();
        after.read_budget.reads_per_minute = 100_000;
        after.read_budget.bulk_customers_per_hour = 100_000;
        assert!(widened_sensitive(&before, &after).is_empty());
        assert_eq!(
            definition_changes(&before, &after)["read_budget"]["reads_per_minute"],
            json!({"before": 120, "after": 100_000})
        );
    }

    #[test]
    fn layout_changes_name_the_pages_that_differ() {
        let before = Layout {
            pages: [(Page::Search, vec![Widget::SearchBox, Widget::SearchResults])].into(),
        };
        let after = Layout {
            pages: [(Page::Search, vec![Widget::SearchResults, Widget::SearchBox])].into(),
        };
        assert_eq!(
            layout_changes(&before, &after),
            json!({"search": {
                "before": ["search.box", "search.results"],
                "after": ["search.results", "search.box"],
            }})
        );
        assert_eq!(layout_changes(&before, &before), json!({}));
    }
}
