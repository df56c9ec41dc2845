"""The inbox as untrusted ground: list it without following links, open files only as regular files.

Anyone who can write into one `inbox/<code>/` folder is treated as hostile. A symlink named `passwd.csv`
pointing at `/etc/passwd`, a hard link, a FIFO (which would hang a plain `open`), a device, a socket, a
directory posing as a file, or a name with `..`, control characters or a path in it is *refused*: the
entry is named (escaped) in the outcome, but none of its target's bytes are read, copied, archived,
logged or shown.

Every listing uses `lstat` semantics (`os.scandir(..., follow_symlinks=False)`), and every read opens the
folder and then the file with `O_NOFOLLOW` relative to that folder's descriptor, then `fstat`s the open
descriptor: a file swapped for a link (or its folder for a link) between listing and reading is caught.
"""

from __future__ import annotations

import errno
import os
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

IGNORED_PREFIXES = (".", "~$")  # hidden files, Excel lock files, our own temp files
IGNORED_SUFFIXES = (".tmp", ".part", ".crdownload")
ROOT_FOLDER = "(inbox)"  # how a stray file at the inbox root is attributed (then rejected: no municipality)

# rule ids for refused entries (messages in pipeline.submissions.issues.RULES)
SYMLINK = "inbox.symlink"
HARDLINK = "inbox.hardlink"
SPECIAL = "inbox.special_file"
DIRECTORY = "inbox.directory"
NAME = "inbox.name"

_O_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_O_DIR = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC


class EntryRefused(Exception):
    """An inbox entry that must not be read; `rule` says why, `kind` what it turned out to be."""

    def __init__(self, rule: str, kind: str) -> None:
        super().__init__(f"{rule}: {kind}")
        self.rule = rule
        self.kind = kind


@dataclass(frozen=True)
class InboxEntry:
    """One entry found in the inbox: a candidate file (`refused is None`) or a refused entry."""

    path: Path
    folder: str  # the municipality folder's name, or ROOT_FOLDER
    name: str
    refused: str | None = None  # rule id
    kind: str = "file"  # file | symlink | hardlink | fifo | socket | device | directory | bad name
    mtime_ns: int = 0
    size: int = 0

    @property
    def display(self) -> str:
        """The entry's path for messages: inbox-relative, every unprintable character escaped."""
        rel = self.name if self.folder == ROOT_FOLDER else f"{self.folder}/{self.name}"
        return printable(rel)

    @property
    def relative(self) -> str:
        return self.name if self.folder == ROOT_FOLDER else f"{self.folder}/{self.name}"


def printable(text: str) -> str:
    """Escape control and format characters (terminal escapes, bidi overrides) so a name cannot hide."""
    return "".join(ch if unicodedata.category(ch)[0] != "C" else ch.encode("unicode_escape").decode("ascii")
                   for ch in text)


def name_problem(name: str) -> str | None:
    """Why a name is hard to trust (a path, `..`, control/format characters), or None when it is fine."""
    if not name or name in (".", ".."):
        return "empty or dot name"
    if "/" in name or "\\" in name or name.startswith("~/") or os.path.isabs(name):
        return "path in name"
    if ".." in name:
        return "'..' in name"
    if any(unicodedata.category(ch)[0] == "C" for ch in name):
        return "control character in name"
    return None


def is_ignored(name: str) -> bool:
    """Lock, temp and hidden files are left alone (not processed, not refused)."""
    return name.startswith(IGNORED_PREFIXES) or name.lower().endswith(IGNORED_SUFFIXES)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "file"


def _refusal(kind: str, nlink: int) -> str | None:
    if kind == "symlink":
        return SYMLINK
    if kind == "directory":
        return DIRECTORY
    if kind != "file":
        return SPECIAL
    if nlink > 1:
        return HARDLINK
    return None


def _entry(dirent: os.DirEntry[str], folder: str) -> InboxEntry | None:
    """Classify one directory entry from its lstat; None for ignored names."""
    name = dirent.name
    try:
        st = dirent.stat(follow_symlinks=False)
    except FileNotFoundError:
        return None
    kind = _kind(st.st_mode)
    if is_ignored(name) and kind in ("file", "directory"):
        return None
    refused = _refusal(kind, st.st_nlink)
    if refused is None and name_problem(name):
        refused, kind = NAME, "bad name"
    if refused == HARDLINK:
        kind = "hardlink"
    return InboxEntry(Path(dirent.path), folder, name, refused, kind, st.st_mtime_ns,
                      st.st_size if kind == "file" else 0)


def scan(inbox: Path) -> list[InboxEntry]:
    """Every pending entry: `inbox/<folder>/<entry>` and stray entries at the root, oldest first.

    Folders are entered only when they are real directories (a symlinked folder is itself refused).
    Nothing is opened or followed; refused entries are returned so they get an outcome too.
    """
    if not inbox.is_dir() or inbox.is_symlink():
        return []
    found: list[InboxEntry] = []
    with os.scandir(inbox) as top:
        for d in top:
            try:
                is_folder = d.is_dir(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if is_folder:
                if d.name.startswith("."):
                    continue
                if name_problem(d.name):
                    found.append(InboxEntry(Path(d.path), ROOT_FOLDER, d.name, NAME, "bad name"))
                    continue
                try:
                    with os.scandir(d.path) as inner:
                        found.extend(e for e in (_entry(x, d.name) for x in inner) if e is not None)
                except (FileNotFoundError, NotADirectoryError):
                    continue
            else:
                e = _entry(d, ROOT_FOLDER)
                if e is not None:
                    found.append(e)
    return sorted(found, key=lambda e: (e.mtime_ns, str(e.path)))


def has_entries(inbox: Path) -> bool:
    """Anything at all below the inbox besides its folders (even a temp file or a link), without following."""
    for _, dirs, files in os.walk(inbox, followlinks=False):
        if files or any(os.path.islink(os.path.join(inbox, d)) for d in dirs):
            return True
    return False


def candidates(inbox: Path) -> list[InboxEntry]:
    """The regular files waiting to be processed (refused entries left out)."""
    return [e for e in scan(inbox) if e.refused is None]


def read(entry: InboxEntry) -> bytes:
    """The file's bytes, opened without following any link.

    Raises EntryRefused when the entry (or its folder) is no longer a plain, singly-linked regular file.
    """
    dfd = -1
    fd = -1
    try:
        try:
            dfd = os.open(entry.path.parent, _O_DIR)
            fd = os.open(entry.name, _O_FLAGS, dir_fd=dfd)
        except OSError as e:
            if e.errno in (errno.ELOOP, errno.EMLINK):
                raise EntryRefused(SYMLINK, "symlink") from None
            if e.errno == errno.ENOTDIR:  # the folder itself was swapped for a link or a file
                raise EntryRefused(SYMLINK, "symlink") from None
            if e.errno == errno.EISDIR:
                raise EntryRefused(DIRECTORY, "directory") from None
            if e.errno in (errno.ENXIO, errno.ENODEV):
                raise EntryRefused(SPECIAL, "socket") from None
            raise
        st = os.fstat(fd)
        refused = _refusal(_kind(st.st_mode), st.st_nlink)
        if refused is not None:
            raise EntryRefused(refused, "hardlink" if refused == HARDLINK else _kind(st.st_mode))
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        if fd >= 0:
            os.close(fd)
        if dfd >= 0:
            os.close(dfd)


def remove(entry: InboxEntry, keep_dir: Path) -> Path | None:
    """Take a processed or refused entry out of the inbox without following it.

    Links, FIFOs, devices and sockets are unlinked (that removes the link, never its target, and they hold
    no bytes of their own). A directory or a badly named regular file is moved, unread, into `keep_dir` so
    nothing is lost; returns where it went.
    """
    try:
        if entry.kind in ("directory", "bad name"):
            keep_dir.mkdir(parents=True, exist_ok=True)
            target = keep_dir / ("refused_directory" if entry.kind == "directory" else "refused_entry")
            os.rename(entry.path, target)
            return target
        os.unlink(entry.path)
    except FileNotFoundError:
        pass
    except IsADirectoryError:  # became a directory since the scan: move it aside instead
        keep_dir.mkdir(parents=True, exist_ok=True)
        target = keep_dir / "refused_directory"
        os.rename(entry.path, target)
        return target
    return None
