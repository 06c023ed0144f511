//! Files only the server's own user may read: its data folder, database and keys.
//!
//! The data folder is made (or tightened to) 0700 and the database with its WAL and shared-memory
//! files 0600, whatever the umask, and `serve` and every tool run with the umask 077, so what
//! they write later (archives, the sink's cursor, a file sink) is owner-only too. A key file that
//! others may read is refused with the command that fixes it, never used: a key that leaked is
//! not made safe by starting anyway.

use std::path::Path;

/// Makes `dir` (and its missing parents) owner-only; tightens it if it exists and is looser.
pub fn dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

/// Tightens `file` to 0600 when it exists and others may read or write it.
pub fn tighten(file: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match std::fs::metadata(file) {
            Ok(metadata) => metadata.permissions().mode() & 0o777,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if mode & 0o077 != 0 {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// A new file only its owner may read, failing if it exists.
pub fn create_new(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Makes `path` owner-only with `contents`, failing with `AlreadyExists` if it exists: written
/// beside it first and linked into place, so another process (a replica starting at the same
/// moment on a shared folder) sees either no file or the whole of it, never a part.
pub fn create_new_with(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let staged = staged_beside(path);
    let written = (|| {
        let mut file = create_new(&staged)?;
        std::io::Write::write_all(&mut file, contents)?;
        file.sync_all()?;
        std::fs::hard_link(&staged, path)
    })();
    let _ = std::fs::remove_file(&staged);
    written
}

/// Replaces `path` with `contents` at once (written beside it, then renamed over it), so that a
/// reader sees the old file or the new one. Its mode is what the umask leaves: for public files.
pub fn replace_with(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let staged = staged_beside(path);
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&staged)?;
        std::io::Write::write_all(&mut file, contents)?;
        file.sync_all()?;
        std::fs::rename(&staged, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&staged);
    }
    written
}

/// A name beside `path` that no other process picks.
fn staged_beside(path: &Path) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(
        ".{}-{}.partial",
        std::process::id(),
        hex::encode(rand::random::<[u8; 6]>())
    ));
    path.with_file_name(name)
}

/// Why a key file may not be used as it is: others may read or write it.
pub fn check_key_file(path: &Path, metadata: &std::fs::Metadata) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(format!(
                "others than its owner may read or change it (mode {mode:o}); treat the key as \
                 exposed if they did, then `chmod 600 {}` and start again",
                path.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, metadata);
    Ok(())
}

/// Makes everything the process creates from now on owner-only (umask 077).
pub fn owner_only_from_now_on() {
    #[cfg(unix)]
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn folders_and_files_end_owner_only_and_loose_keys_are_named() {
        let root = tempfile::tempdir().unwrap();
        let made = root.path().join("a").join("b");
        dir(&made).unwrap();
        assert_eq!(mode(&made), 0o700);
        let loose = root.path().join("loose");
        std::fs::create_dir(&loose).unwrap();
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o755)).unwrap();
        dir(&loose).unwrap();
        assert_eq!(mode(&loose), 0o700);

        let file = loose.join("f");
        std::fs::write(&file, "x").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = check_key_file(&file, &std::fs::metadata(&file).unwrap()).unwrap_err();
        assert!(
            err.contains("mode 644") && err.contains("chmod 600"),
            "{err}"
        );
        tighten(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert!(check_key_file(&file, &std::fs::metadata(&file).unwrap()).is_ok());
        tighten(&loose.join("missing")).unwrap();
        let whole = loose.join("whole");
        create_new_with(&whole, b"all of it").unwrap();
        assert_eq!(std::fs::read(&whole).unwrap(), b"all of it");
        assert_eq!(mode(&whole), 0o600);
        let again = create_new_with(&whole, b"another").unwrap_err();
        assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&whole).unwrap(), b"all of it");
        replace_with(&whole, b"replaced").unwrap();
        assert_eq!(std::fs::read(&whole).unwrap(), b"replaced");
        let left: Vec<_> = std::fs::read_dir(&loose)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".partial"))
            .collect();
        assert!(left.is_empty(), "staged files left: {left:?}");
        let new = create_new(&loose.join("new")).unwrap();
        drop(new);
        assert_eq!(mode(&loose.join("new")), 0o600);
    }
}
