package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// tabsState is what the lessons panel's tab list looks like to a keyboard
// and a screen reader at one moment.
type tabsState struct {
	Focus    string   `json:"focus"`    // id of document.activeElement
	Tabs     []string `json:"tabs"`     // ids of the tabs, in order
	Selected []string `json:"selected"` // tabs with aria-selected=true
	Tabbable []string `json:"tabbable"` // tabs with tabindex=0
	Others   []string `json:"others"`   // tabindex of the other tabs, one per tab
	Panels   []string `json:"panels"`   // ids of the role=tabpanel elements shown
	Label    string   `json:"label"`    // the shown panel's aria-labelledby
	Controls string   `json:"controls"` // aria-controls of the selected tab
	List     string   `json:"list"`     // role of the tabs' parent
}

const jsTabsState = `(() => {
	const tabs = [...document.querySelectorAll("#lessons [role=tab]")];
	const sel = tabs.filter(t => t.getAttribute("aria-selected") === "true");
	const panels = [...document.querySelectorAll("#lessons [role=tabpanel]")];
	return JSON.stringify({
		focus: document.activeElement?.id || "",
		tabs: tabs.map(t => t.id),
		selected: sel.map(t => t.id),
		tabbable: tabs.filter(t => t.getAttribute("tabindex") === "0").map(t => t.id),
		others: tabs.filter(t => t.getAttribute("tabindex") !== "0").map(t => t.getAttribute("tabindex")),
		panels: panels.map(p => p.id),
		label: panels[0]?.getAttribute("aria-labelledby") || "",
		controls: sel[0]?.getAttribute("aria-controls") || "",
		list: tabs[0]?.parentElement.getAttribute("role") || "",
	});
})()`

// TestLessonTabsKeyboard drives the lessons panel's tabs with real key
// events in Chromium and checks the WAI-ARIA tabs pattern: one tab list,
// one selected tab that is also the only one in the Tab order (roving
// tabindex) and controls the one panel shown, which is labelled by it;
// Left and Right move to the previous and next tab and open it, wrapping
// at the ends; Home and End go to the first and last; Tab leaves the tab
// list for the open panel and Shift+Tab comes back to the selected tab.
func TestLessonTabsKeyboard(t *testing.T) {
	s := startLessonSite(t)
	a := s.open(t, "/")
	a.idle()
	a.wait(`document.querySelector("#lessons [role=tabpanel]") && "ok"`, time.Minute)

	state := func() tabsState {
		t.Helper()
		var st tabsState
		a.jsonEval(jsTabsState, &st)
		return st
	}
	// check waits for the render that follows a key, then checks that
	// the tab want is focused, selected, alone in the Tab order and shown.
	check := func(step, want string) tabsState {
		t.Helper()
		a.wait(`document.activeElement?.id === "`+want+`" && document.querySelector("#`+want+`").getAttribute("aria-selected") === "true" && document.querySelector("#lesson-`+strings.TrimPrefix(want, "tab-")+`") && "ok"`, 30*time.Second)
		st := state()
		panel := "lesson-" + strings.TrimPrefix(want, "tab-")
		if st.Focus != want || len(st.Selected) != 1 || st.Selected[0] != want {
			t.Errorf("%s: focus %q, selected %v; want %s", step, st.Focus, st.Selected, want)
		}
		if len(st.Tabbable) != 1 || st.Tabbable[0] != want {
			t.Errorf("%s: tabs in the Tab order %v, want only %s", step, st.Tabbable, want)
		}
		for _, ti := range st.Others {
			if ti != "-1" {
				t.Errorf("%s: an unselected tab has tabindex %q, want -1", step, ti)
			}
		}
		if len(st.Panels) != 1 || st.Panels[0] != panel || st.Label != want || st.Controls != panel {
			t.Errorf("%s: panels %v labelled by %q, the tab controls %q; want %s labelled by %s", step, st.Panels, st.Label, st.Controls, panel, want)
		}
		return st
	}
	key := func(k string, opts ...chromedp.KeyOption) {
		t.Helper()
		if err := a.p.Do(chromedp.KeyEvent(k, opts...)); err != nil {
			t.Fatal(err)
		}
	}

	st := state()
	if st.List != "tablist" || len(st.Tabs) < 3 {
		t.Fatalf("tabs %v in a %q, want several tabs in a tablist", st.Tabs, st.List)
	}
	first, second, third, last := st.Tabs[0], st.Tabs[1], st.Tabs[2], st.Tabs[len(st.Tabs)-1]
	if len(st.Selected) != 1 || st.Selected[0] != first {
		t.Fatalf("selected at start: %v, want %s", st.Selected, first)
	}
	// The keyboard reaches the tab list at its selected tab.
	if err := a.p.Do(chromedp.Focus(chromedp.CSS("#" + first))); err != nil {
		t.Fatal(err)
	}
	check("focus", first)

	for _, s := range []struct {
		name, key, want string
	}{
		{"Right", kb.ArrowRight, second},
		{"Right again", kb.ArrowRight, third},
		{"Left", kb.ArrowLeft, second},
		{"End", kb.End, last},
		{"Right on the last tab", kb.ArrowRight, first},
		{"Left on the first tab", kb.ArrowLeft, last},
		{"Home", kb.Home, first},
	} {
		key(s.key)
		check(s.name, s.want)
	}

	// A key the pattern does not use changes nothing.
	key(kb.ArrowDown)
	time.Sleep(200 * time.Millisecond) // a wrong render would come in this time; nothing to wait for
	check("Down", first)

	// Tab goes into the open panel, not to the next tab; Shift+Tab comes
	// back to the selected tab.
	key(kb.Tab)
	a.wait(`document.activeElement?.id === "lesson-`+strings.TrimPrefix(first, "tab-")+`" && "ok"`, 30*time.Second)
	key(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))
	check("Shift+Tab", first)

	b, _ := json.Marshal(state())
	t.Logf("tabs after the walk: %s", b)
	a.p.CheckNoErrors()
}
