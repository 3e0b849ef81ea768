package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The offline tests' waits, when stuck, print what the page knows: the
// service worker's registration and caches, the page's requests that never
// ended, and the state of every worker of the origin (the engine worker, the
// service workers). A page stuck on "Loading" after an update is then told
// apart from a slow machine.

// netLog keeps the tab's requests that have not ended yet.
type netLog struct {
	mu      sync.Mutex
	pending map[network.RequestID]*netReq
}

type netReq struct {
	url     string
	kind    string
	sent    time.Time
	fromSW  bool
	replied bool
}

// watchNetwork starts recording the tab's requests.
func watchNetwork(a appPage) *netLog {
	n := &netLog{pending: map[network.RequestID]*netReq{}}
	err := chromedp.Listen(a.p.Context(), func(ev any) {
		n.mu.Lock()
		defer n.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			n.pending[e.RequestID] = &netReq{url: e.Request.URL, kind: string(e.Type), sent: time.Now()}
		case *network.EventResponseReceived:
			if r := n.pending[e.RequestID]; r != nil {
				r.replied = true
				r.fromSW = e.Response != nil && e.Response.FromServiceWorker
			}
		case *network.EventLoadingFinished:
			delete(n.pending, e.RequestID)
		case *network.EventLoadingFailed:
			delete(n.pending, e.RequestID)
		}
	})
	if err != nil {
		a.t.Logf("not recording the network: %v", err)
	}
	return n
}

// reset forgets the requests of earlier visits (a navigation ends the old
// page's requests without a LoadingFinished for each).
func (n *netLog) reset() {
	n.mu.Lock()
	defer n.mu.Unlock()
	clear(n.pending)
}

func (n *netLog) String() string {
	if n == nil {
		return "not recorded"
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	var s []string
	for _, r := range n.pending {
		s = append(s, fmt.Sprintf("%s %s sent %v ago, replied %v (from the service worker %v)",
			r.kind, r.url, time.Since(r.sent).Round(time.Millisecond), r.replied, r.fromSW))
	}
	slices.Sort(s)
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, "; ")
}

// jsPageState is what the page itself can tell.
const jsPageState = `(async () => {
	const reg = await navigator.serviceWorker.getRegistration();
	const w = (x) => x ? x.state + " " + x.scriptURL : null;
	const c = navigator.serviceWorker.controller;
	return JSON.stringify({
		controller: w(c), active: w(reg && reg.active), waiting: w(reg && reg.waiting), installing: w(reg && reg.installing),
		caches: await caches.keys(),
		build: document.querySelector('meta[name=convscope-test-build]')?.content || "1",
		wasm: document.documentElement.dataset.wasm || null,
		boot: document.getElementById("boot-status")?.textContent || null,
		result: document.querySelector("#result")?.textContent.replace(/\s+/g, " ").slice(0, 200) || null,
		resources: performance.getEntriesByType("resource").map((e) => e.name.replace(location.origin, "") + " " + Math.round(e.startTime) + "+" + Math.round(e.duration) + "ms"),
	});
})()`

// jsWorkerState is read inside each worker of the origin: the engine worker
// (static/worker.js) and the service workers (static/sw.js).
const jsWorkerState = `JSON.stringify({
	url: self.location.href,
	sw: typeof BUILD === "undefined" ? null : {build: BUILD, handover: typeof handover === "undefined" ? null : handover, state: self.serviceWorker ? self.serviceWorker.state : null},
	engine: self.convscopeBuild || null,
	go: typeof Go,
	pending: self.convscopePending ? self.convscopePending.length : null,
	resources: performance.getEntriesByType("resource").map((e) => e.name.replace(location.origin, "") + " " + Math.round(e.startTime) + "+" + Math.round(e.duration) + "ms"),
})`

// stuck describes the page after a wait failed: its state, its requests
// still open, and each worker's own state.
func (a appPage) stuck(n *netLog) string {
	var b strings.Builder
	ctx, cancel := context.WithTimeout(a.p.Context(), 20*time.Second)
	defer cancel()
	page, err := chromedp.Run(ctx, chromedp.Evaluate[string](jsPageState, chromedp.EvalAwaitPromise))
	if err != nil {
		page = "unreadable: " + err.Error()
	}
	fmt.Fprintf(&b, "\npage: %s\nrequests not ended: %s", page, n)
	targets, err := chromedp.Targets(ctx)
	if err != nil {
		fmt.Fprintf(&b, "\ntargets: %v", err)
		return b.String()
	}
	for _, t := range targets {
		fmt.Fprintf(&b, "\ntarget %s %s attached %v", t.Type, t.URL, t.Attached)
		if t.Type != "worker" && t.Type != "service_worker" {
			continue
		}
		wctx, wcancel := chromedp.NewContext(a.p.Context(), chromedp.WithTargetID(t.TargetID), chromedp.WithDetachOnCancel())
		tctx, tcancel := context.WithTimeout(wctx, 10*time.Second)
		s, err := chromedp.Run(tctx, chromedp.Evaluate[string](jsWorkerState))
		tcancel()
		wcancel()
		if err != nil {
			s = "unreadable: " + err.Error()
		}
		fmt.Fprintf(&b, ": %s", s)
	}
	return b.String()
}
