// Package chromium holds the one list of flags ConvScope starts headless
// Chromium with (DESIGN.md), shared by the browser tests
// (internal/browsertest) and `bench -browser`, so the two never drift apart.
package chromium

import "github.com/chromedp/chromedp"

// Options returns the allocator options for a headless Chromium at exe with
// a fresh profile in profileDir. The background-networking, component-update
// and sync switches matter here: without them Chromium keeps trying hosts
// this machine's closed network refuses. Callers append their own extras.
func Options(exe, profileDir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(profileDir),
	}
}
