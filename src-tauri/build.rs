include!("commands.rs");

fn main() {
    // tauri-build names the files it watches, so cargo watches only those: this one too.
    println!("cargo:rerun-if-changed=commands.rs");
    // Naming the app's commands puts them under the capability system: the window may call only
    // what capabilities/ grants, instead of every command being allowed by default.
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri build step");
}
