//! Files the command writes: never one of its inputs, never half-written.

use anyhow::{bail, Context, Result};
use std::path::Path;

/// Checks, before any work is done, that the output `path` (given as `option`) can be
/// written without destroying an input: it is not one of `inputs` (compared as files, so
/// `./a.csv` and `a.csv` or a hard link are the same), not a directory, and its directory
/// exists.
pub(crate) fn check_output(option: &str, path: &Path, inputs: &[&Path]) -> Result<()> {
    for input in inputs {
        if path.exists() && same_file::is_same_file(path, input).unwrap_or(false) {
            bail!(
                "{option} {} is an input of this command; choose another file (outputs never overwrite inputs)",
                path.display()
            );
        }
    }
    if path.is_dir() {
        bail!("{option} {} is a directory", path.display());
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            bail!(
                "{option} {}: no directory {}",
                path.display(),
                parent.display()
            );
        }
    }
    Ok(())
}

/// Creates or replaces `path` atomically, through a temporary file in the same directory
/// that `write` fills ([`descent_models::replace_atomically`]): if `write` fails, `path` is
/// untouched.
pub(crate) fn write_through_temporary(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let mut failure = None;
    let written = descent_models::replace_atomically(path, |temporary| {
        write(temporary).map_err(|e| {
            let text = format!("{e:#}");
            failure = Some(e);
            std::io::Error::other(text)
        })
    });
    match (written, failure) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(e)) => Err(e),
        (Err(e), None) => Err(e).with_context(|| format!("writing {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_may_not_be_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("data.csv");
        std::fs::write(&input, "a,b\n1,2\n").unwrap();
        let alias = dir.path().join(".").join("data.csv");
        let e = check_output("--out", &alias, &[&input]).unwrap_err();
        assert!(e.to_string().contains("is an input"), "{e}");
        assert!(check_output("--out", &dir.path().join("new.json"), &[&input]).is_ok());
        assert!(check_output("--out", dir.path(), &[&input]).is_err());
        assert!(check_output("--out", &dir.path().join("no/such/x.json"), &[]).is_err());
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plot.svg");
        std::fs::write(&path, "old").unwrap();
        let failed = write_through_temporary(&path, |temporary| {
            std::fs::write(temporary, "half")?;
            bail!("the drawing failed")
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        write_through_temporary(&path, |temporary| Ok(std::fs::write(temporary, "new")?)).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
