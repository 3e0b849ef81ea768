package fetch

import (
	"fmt"
	"strings"
)

// DefaultBaseURL is where torchvision publishes its ImageNet checkpoints.
const DefaultBaseURL = "https://download.pytorch.org/models/"

// Source is one downloadable checkpoint: the model name it is stored under,
// the checkpoint file on the server (its name carries the first hex digits
// of its SHA-256, as torchvision's do), and the architecture its state_dict
// belongs to. The catalog of sources is models.Torchvision().
type Source struct {
	Name string
	File string
	Arch string
}

// hashPrefix returns the hex digits torchvision puts after the last '-' of a
// checkpoint file name ("resnet18-f37072fd.pth" -> "f37072fd").
func hashPrefix(file string) (string, error) {
	base := file
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	i := strings.LastIndexByte(base, '-')
	h := base[i+1:]
	if i < 0 || len(h) < 6 || len(h) > 64 || strings.Trim(h, "0123456789abcdef") != "" {
		return "", fmt.Errorf("file name %q carries no SHA-256 prefix (NAME-HEXDIGITS.pth)", file)
	}
	return h, nil
}
