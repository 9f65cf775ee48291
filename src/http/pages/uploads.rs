//! Files sent to the import page, kept on the server for a day: a file checked with `validate` is
//! then imported from the copy already here, without sending it again. Only the user who sent a
//! file may import it; it is removed once imported, and any left over after a day are swept.

use std::fs::{self, File};
use std::io;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How long an upload waits to be imported.
const KEEP_FOR: Duration = Duration::from_secs(24 * 60 * 60);

/// What an upload is for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Upload {
    pub id: Uuid,
    pub owner: Uuid,
    pub program_id: Uuid,
    pub library_id: Uuid,
    pub format: String,
    pub file_name: String,
}

/// The folder uploads are kept in.
#[derive(Debug, Clone)]
pub struct UploadStore {
    dir: PathBuf,
}

impl Default for UploadStore {
    fn default() -> Self {
        Self {
            dir: std::env::temp_dir().join("retention-registry-uploads"),
        }
    }
}

impl UploadStore {
    fn data(&self, id: Uuid) -> PathBuf {
        self.dir.join(format!("{id}.upload"))
    }

    fn meta(&self, id: Uuid) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    fn ensure_dir(&self) -> io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }

    /// A new, empty file to spool an upload into, with its id.
    pub fn create(&self) -> io::Result<(Uuid, File)> {
        self.ensure_dir()?;
        self.sweep();
        let mut bytes = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(self.data(id))?;
        Ok((id, file))
    }

    /// Keeps the spooled file of `upload` for a later import.
    /// Where the bytes of upload `id` are.
    pub fn path_of(&self, id: Uuid) -> PathBuf {
        self.data(id)
    }

    pub fn keep(&self, upload: &Upload) -> io::Result<()> {
        let json = serde_json::to_vec(upload).map_err(io::Error::other)?;
        fs::write(self.meta(upload.id), json)
    }

    /// Removes an upload (its file and what it is for).
    pub fn discard(&self, id: Uuid) {
        let _ = fs::remove_file(self.data(id));
        let _ = fs::remove_file(self.meta(id));
    }

    /// The upload `id` if `owner` sent it and it is still kept, with its file.
    pub fn open(&self, id: Uuid, owner: Uuid) -> Option<(Upload, File)> {
        let upload: Upload = serde_json::from_slice(&fs::read(self.meta(id)).ok()?).ok()?;
        if upload.owner != owner || upload.id != id {
            return None;
        }
        let file = File::open(self.data(id)).ok()?;
        Some((upload, file))
    }

    /// Removes uploads older than a day.
    fn sweep(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        let now = SystemTime::now();
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|at| now.duration_since(at).ok())
                .is_some_and(|age| age > KEEP_FOR);
            if old {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn an_upload_is_opened_only_by_its_owner_and_gone_once_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let store = UploadStore {
            dir: dir.path().join("uploads"),
        };
        let (id, mut file) = store.create().unwrap();
        file.write_all(b"oclc_number,title\n1,A\n").unwrap();
        let owner = Uuid::now_v7();
        let upload = Upload {
            id,
            owner,
            program_id: Uuid::now_v7(),
            library_id: Uuid::now_v7(),
            format: "csv".into(),
            file_name: "a.csv".into(),
        };
        store.keep(&upload).unwrap();
        assert!(store.open(id, Uuid::now_v7()).is_none());
        let (found, _) = store.open(id, owner).unwrap();
        assert_eq!(found.file_name, "a.csv");
        store.discard(id);
        assert!(store.open(id, owner).is_none());
    }
}
