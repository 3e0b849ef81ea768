package web

import "testing"

func TestNextTab(t *testing.T) {
	first, second, last := LessonTabs[0].ID, LessonTabs[1].ID, LessonTabs[len(LessonTabs)-1].ID
	for _, c := range []struct {
		id, key, want string
		ok            bool
	}{
		{first, "ArrowRight", second, true},
		{second, "ArrowLeft", first, true},
		{last, "ArrowRight", first, true}, // wraps around
		{first, "ArrowLeft", last, true},
		{second, "Home", first, true},
		{second, "End", last, true},
		{second, "ArrowDown", "", false}, // a horizontal tab list leaves Up and Down alone
		{second, "Tab", "", false},
		{"nosuch", "ArrowRight", "", false},
	} {
		got, ok := NextTab(c.id, c.key)
		if got != c.want || ok != c.ok {
			t.Errorf("NextTab(%q, %q) = %q, %v; want %q, %v", c.id, c.key, got, ok, c.want, c.ok)
		}
	}
}

func TestTabIndex(t *testing.T) {
	c := &Lessons{Tab: "relu"}
	zero := 0
	for _, tab := range LessonTabs {
		switch c.TabIndex(tab.ID) {
		case "0":
			zero++
			if tab.ID != "relu" {
				t.Errorf("tab %s is in the Tab order, but relu is selected", tab.ID)
			}
		case "-1":
		default:
			t.Errorf("tab %s: tabindex %q", tab.ID, c.TabIndex(tab.ID))
		}
	}
	if zero != 1 {
		t.Errorf("%d tabs in the Tab order, want exactly the selected one", zero)
	}
}
