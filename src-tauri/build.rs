fn main() {
    // Naming the app's commands puts them under the capability system: the window may call only
    // what capabilities/ grants, instead of every command being allowed by default.
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_status",
        "current_agent",
        "sign_in",
        "sign_out",
        "current_policy",
        "watch_policy",
        "search_customers",
        "open_customer",
        "list_transactions",
        "list_tickets",
        "open_ticket",
        "reply_to_ticket",
        "server_reachable",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri build step");
}
