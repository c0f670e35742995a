//! Users and groups read straight from `/etc/passwd` and `/etc/group`, without NSS, so a static
//! binary behaves the same as a dynamic one and a setuid helper never loads NSS modules. The
//! directory is a parameter so tests can point at a fixture.

use std::path::Path;

use crate::error::{Context, Error, Result};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub id: u32,
    /// The primary gid (passwd entries only; 0 for groups).
    pub gid: u32,
}

fn parse_line(line: &str, with_gid: bool) -> Option<Entry> {
    let mut f = line.split(':');
    let name = f.next()?;
    let _password = f.next()?;
    let id = f.next()?.parse().ok()?;
    let gid = if with_gid { f.next()?.parse().ok()? } else { 0 };
    if name.is_empty() || name.starts_with('#') {
        return None;
    }
    Some(Entry {
        name: name.to_string(),
        id,
        gid,
    })
}

fn entries(etc: &Path, file: &str, with_gid: bool) -> Result<Vec<Entry>> {
    let path = etc.join(file);
    let text =
        std::fs::read_to_string(&path).context(|| format!("cannot read {}", path.display()))?;
    Ok(text
        .lines()
        .filter_map(|l| parse_line(l, with_gid))
        .collect())
}

/// The passwd entry with uid `uid`.
pub fn user_by_id(etc: &Path, uid: u32) -> Result<Option<Entry>> {
    Ok(entries(etc, "passwd", true)?
        .into_iter()
        .find(|e| e.id == uid))
}

/// The passwd entry named `name`.
pub fn user_by_name(etc: &Path, name: &str) -> Result<Option<Entry>> {
    Ok(entries(etc, "passwd", true)?
        .into_iter()
        .find(|e| e.name == name))
}

/// A uid given as a number or a user name (`--map-user=UID|NAME`).
pub fn uid(etc: &Path, text: &str) -> Result<u32> {
    lookup(text, || user_by_name(etc, text), "user")
}

/// A gid given as a number or a group name (`--map-group=GID|NAME`).
pub fn gid(etc: &Path, text: &str) -> Result<u32> {
    let by_name = || {
        Ok(entries(etc, "group", false)?
            .into_iter()
            .find(|e| e.name == text))
    };
    lookup(text, by_name, "group")
}

fn lookup(text: &str, by_name: impl FnOnce() -> Result<Option<Entry>>, what: &str) -> Result<u32> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return crate::cli::number(text, &format!("failed to parse {what} id"));
    }
    match by_name() {
        Ok(Some(e)) => Ok(e.id),
        Ok(None) | Err(_) => Err(Error::new(format!("unknown {what} '{text}'"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testutil::TempDir;

    fn fixture() -> TempDir {
        let d = TempDir::new("users");
        std::fs::write(d.path().join("passwd"), "root:x:0:0:root:/root:/bin/sh\n# comment\nalice:x:1000:1001::/home/alice:/bin/sh\nbroken\n").unwrap();
        std::fs::write(d.path().join("group"), "root:x:0:\nstaff:x:50:alice\n").unwrap();
        d
    }

    #[test]
    fn lookups() {
        let d = fixture();
        assert_eq!(uid(d.path(), "alice").unwrap(), 1000);
        assert_eq!(uid(d.path(), "42").unwrap(), 42);
        assert_eq!(gid(d.path(), "staff").unwrap(), 50);
        assert_eq!(
            uid(d.path(), "nobody").unwrap_err().to_string(),
            "unknown user 'nobody'"
        );
        assert_eq!(user_by_id(d.path(), 1000).unwrap().unwrap().gid, 1001);
        assert_eq!(user_by_name(d.path(), "root").unwrap().unwrap().id, 0);
    }
}
