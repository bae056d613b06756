package migrate

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Discover lists the .sql files of both phases, pre-deploy first, each phase ordered by file name.
// It needs no database: Applied is always false. A phase whose folder does not exist has no
// migrations; that is not an error.
func Discover(cfg Config) ([]File, error) {
	cfg = cfg.withDefaults()
	var all []File
	for _, p := range []Phase{PreDeploy, PostDeploy} {
		files, err := discoverPhase(cfg, p)
		if err != nil {
			return nil, err
		}
		all = append(all, files...)
	}
	return all, nil
}

// discoverPhase lists one phase's files with their checksums. Subfolders and other files are
// ignored.
func discoverPhase(cfg Config, p Phase) ([]File, error) {
	dir := cfg.dir(p)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s migrations: %w", p, err)
	}
	var files []File
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		sql, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read migration: %w", err)
		}
		files = append(files, File{Phase: p, Name: e.Name(), Path: path, Checksum: checksum(sql), sql: string(sql)})
	}
	sortByName(files)
	return files, nil
}

// sortByName orders one phase's files by name: the order they run in.
func sortByName(files []File) {
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
}

// checksum is the hex SHA-256 of a file's contents.
func checksum(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
