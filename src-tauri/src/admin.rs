//! The administrator's commands: role layouts (preview, publish, history, restore) and role
//! definitions (read, checked, set, and the changes waiting for a second administrator decided),
//! the audit trail, and the agents the server knows with their devices and wipes.
//! Each calls one `desk-app` function; the server decides who may (`layout.publish`, `role.edit`),
//! whatever the window shows. The preview's customer is the server's demo customer, redacted by
//! the server for the role previewed. `role_catalogue` and `check_role` read nothing: desk-core's
//! vocabulary, and the server's own checks run before anything is sent.

use desk_app::{
    AgentSummary, AgentWipes, AuditCheck, AuditRecord, ExportFormat, Exported, Layout,
    LayoutPreview, Role, RoleChange, RoleCheck, RoleSet, StoredLayout, StoredRole, WipeOrdered,
};
use desk_core::RoleDefinition;

use crate::Shell;
use crate::dto::{AuditFiltersDto, CatalogueDto, ErrorDto, PageOf};

/// What the layout editor shows of `role`: its grants, its layout now, and the demo customer as
/// the role sees them.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) async fn layout_preview(
    shell: tauri::State<'_, Shell>,
    role: Role,
) -> Result<LayoutPreview, ErrorDto> {
    Ok(shell.app()?.layout_preview(role).await?)
}

/// Publishes `layout` for `role`; its connected agents are pushed their new policy.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) async fn publish_layout(
    shell: tauri::State<'_, Shell>,
    role: Role,
    layout: Layout,
) -> Result<StoredLayout, ErrorDto> {
    Ok(shell.app()?.publish_layout(role, &layout).await?)
}

/// `role`'s published layouts, newest first.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) async fn layout_history(
    shell: tauri::State<'_, Shell>,
    role: Role,
) -> Result<Vec<StoredLayout>, ErrorDto> {
    Ok(shell.app()?.layout_history(role).await?)
}

/// Publishes again the layout `role` had at `version`.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) async fn restore_layout(
    shell: tauri::State<'_, Shell>,
    role: Role,
    version: i64,
) -> Result<StoredLayout, ErrorDto> {
    Ok(shell.app()?.restore_layout(role, version).await?)
}

/// Every role definition in force, with its version.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) async fn list_roles(
    shell: tauri::State<'_, Shell>,
) -> Result<Vec<StoredRole>, ErrorDto> {
    Ok(shell.app()?.roles().await?)
}

/// The role changes waiting for a second administrator, newest first.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) async fn role_changes(
    shell: tauri::State<'_, Shell>,
) -> Result<Vec<RoleChange>, ErrorDto> {
    Ok(shell.app()?.role_changes().await?)
}

/// Approves another administrator's waiting change `id`: the definition it puts in force.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) async fn approve_role_change(
    shell: tauri::State<'_, Shell>,
    id: i64,
) -> Result<StoredRole, ErrorDto> {
    Ok(shell.app()?.approve_role_change(id).await?)
}

/// Rejects (or, its proposer, withdraws) the waiting change `id`.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) async fn reject_role_change(
    shell: tauri::State<'_, Shell>,
    id: i64,
) -> Result<RoleChange, ErrorDto> {
    Ok(shell.app()?.reject_role_change(id).await?)
}

/// What a role definition is made of: the values the definition editor offers.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) fn role_catalogue() -> CatalogueDto {
    CatalogueDto::of_core()
}

/// What `edited` comes to against `current`, checked as the server checks it (nothing is sent).
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) fn check_role(current: RoleDefinition, edited: RoleDefinition) -> RoleCheck {
    desk_app::check_role(&current, &edited)
}

/// Sets `definition` for its role: in force at once, or waiting for a second administrator
/// when it shows more personal or restricted data.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) async fn set_role(
    shell: tauri::State<'_, Shell>,
    definition: RoleDefinition,
) -> Result<RoleSet, ErrorDto> {
    Ok(shell.app()?.set_role(&definition).await?)
}

/// A page of the audit trail, newest first, filtered as the server filters it; the next page by
/// `cursor`. The server stores searched values masked, and so they are shown.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) async fn audit_trail(
    shell: tauri::State<'_, Shell>,
    filters: AuditFiltersDto,
    cursor: Option<String>,
) -> Result<PageOf<AuditRecord>, ErrorDto> {
    let page = shell
        .app()?
        .audit(&filters.query(AUDIT_PAGE, cursor))
        .await?;
    Ok(PageOf {
        items: page.items,
        next_cursor: page.next_cursor,
    })
}

/// Exports every entry the filters match, as `format`, into a new file in the user's download
/// folder; answers the file and how many entries it holds.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) async fn export_audit(
    app: tauri::AppHandle,
    shell: tauri::State<'_, Shell>,
    filters: AuditFiltersDto,
    format: ExportFormat,
) -> Result<Exported, ErrorDto> {
    use tauri::Manager;
    let dir = app.path().download_dir().map_err(|e| {
        ErrorDto::from(desk_app::AppError::InvalidInput(format!(
            "this machine has no download folder to export to: {e}"
        )))
    })?;
    let query = filters.query(EXPORT_PAGE, None);
    Ok(shell.app()?.export_audit_to(&dir, &query, format).await?)
}

/// Has the server check its audit chain, with its newest checkpoint and the one this device
/// witnessed; answers the verdict.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) async fn verify_audit(shell: tauri::State<'_, Shell>) -> Result<AuditCheck, ErrorDto> {
    Ok(shell.app()?.verify_audit().await?)
}

/// A page of the agents the server knows, from `cursor`.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) async fn list_agents(
    shell: tauri::State<'_, Shell>,
    cursor: Option<String>,
) -> Result<PageOf<AgentSummary>, ErrorDto> {
    let page = shell.app()?.agents(Some(AGENTS_PAGE), cursor).await?;
    Ok(PageOf {
        items: page.items,
        next_cursor: page.next_cursor,
    })
}

/// The wipes ordered for `subject` and where each of its devices stands with them.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) async fn agent_wipes(
    shell: tauri::State<'_, Shell>,
    subject: String,
) -> Result<AgentWipes, ErrorDto> {
    Ok(shell.app()?.agent_wipes(&subject).await?)
}

/// Orders every device of `subject` to shred its cache; the window asks for confirmation first.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) async fn wipe_agent(
    shell: tauri::State<'_, Shell>,
    subject: String,
) -> Result<WipeOrdered, ErrorDto> {
    Ok(shell.app()?.wipe(&subject).await?)
}

/// Agents a page of the agents table holds.
const AGENTS_PAGE: u32 = 200;

/// Entries an export asks for at once: the most the server answers in a page.
const EXPORT_PAGE: u32 = 1000;

/// Entries a page of the audit table holds.
const AUDIT_PAGE: u32 = 200;
