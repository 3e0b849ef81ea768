package web

import "github.com/vugu/vugu"

// The lesson tabs follow the WAI-ARIA tabs pattern
// (https://www.w3.org/WAI/ARIA/apg/patterns/tabs/): only the selected tab
// is in the Tab order (a roving tabindex), so Tab goes from the tab list
// straight into the open lesson; Left and Right move to the previous and
// next tab (wrapping around), Home and End to the first and last, and the
// tab that gets the focus opens at once (automatic activation: each lesson
// opens without a network request, so following the focus is cheap).

// TabIndex is a tab's tabindex: 0 for the selected tab, -1 for the others
// (reachable with the arrow keys, not with Tab).
func (c *Lessons) TabIndex(id string) string {
	if c.Tab == id {
		return "0"
	}
	return "-1"
}

// TabKey is a key pressed on the tab id: an arrow, Home or End opens and
// focuses the tab it leads to; other keys keep their usual meaning.
func (c *Lessons) TabKey(event vugu.DOMEvent, id string) {
	next, ok := NextTab(id, event.PropString("key"))
	if !ok {
		return
	}
	event.PreventDefault() // the arrows would scroll the page
	c.Tab = next
	focusTab(event, "tab-"+next)
}

// NextTab is the tab that key leads to from the tab id ("ArrowLeft",
// "ArrowRight", "Home", "End", as KeyboardEvent.key names them); false for
// any other key or an unknown id.
func NextTab(id, key string) (string, bool) {
	cur := -1
	for i, t := range LessonTabs {
		if t.ID == id {
			cur = i
		}
	}
	n := len(LessonTabs)
	if cur < 0 || n == 0 {
		return "", false
	}
	switch key {
	case "ArrowRight":
		cur = (cur + 1) % n
	case "ArrowLeft":
		cur = (cur + n - 1) % n
	case "Home":
		cur = 0
	case "End":
		cur = n - 1
	default:
		return "", false
	}
	return LessonTabs[cur].ID, true
}
