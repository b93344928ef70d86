package offline

import (
	"strings"
	"time"
)

// Requests about several tasks: several to add in one message ("add
// apples, pears and a melon", a pasted bullet list) and references to
// several tasks ("the last three", "both", "everything due today").

// MaxItems is the most tasks one message adds.
const MaxItems = 25

var (
	// "two things:", "the following:", "these 3 tasks -".
	reCountLead = re(`^(?:here\s+are\s+)?(?:do\s+|get\s+done\s+|finish\s+)?(?:these\s+(?:\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)(?:\s+(?:things|tasks|items|to-?dos|errands))?|(?:the\s+)?following|these|(?:my\s+|the\s+)?(?:shopping|grocery|groceries|to-?do|packing|errands?|chores?)\s+list|(?:a\s+)?(?:few|couple(?:\s+of)?|some|\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)\s+(?:more\s+|new\s+|quick\s+)?(?:things|tasks|items|to-?dos|reminders|errands|jobs)|(?:these|the\s+following)\s+(?:\d{1,2}\s+|two\s+|three\s+|four\s+|five\s+)?(?:things|tasks|items|to-?dos|errands))(?:\s+(?:to|on|for|in)\s+(?:my|the)\s+(?:[\p{L}-]+\s+)?(?:list|to-?dos?))?(?:\s+(?:for\s+|due\s+|by\s+)?(today|tonight|tomorrow|this\s+(?:week(?:end)?|morning|afternoon|evening)|next\s+week|(?:on\s+)?(?:mon|tues|wednes|thurs|fri|satur|sun)day))?\s*(?:[:\-—]\s*|\s+)`)
	// "urgent: fix the tap", "!!! server down", "p1 - call the bank".
	reAddByPrio = re(`^(?:!+\s*)?` + prioMarker + `\s*(?:[:\-–—]|!+)\s*[\p{L}\d'"]`)
	// A second add in the same message: "… . add eggs", "… and also add …".
	reAgainAdd = re(`(?:\s*[.;!,]\s+|\s+and\s+|\s+then\s+)(?:and\s+)?(?:also\s+|then\s+)?(?:add|put|create|new\s+task:?)\s+`)
	// " + " and " / " between items.
	reSlashPlus = re(`\s+[+/]\s+`)
	// A bullet or number in front of a list item.
	reBullet = re(`^(?:[-*•·–—+>]|\d{1,2}[.)]|\(\d{1,2}\)|\[\s?[xX ]?\s?\]|☐|□)\s*`)
	// Inline numbers: "1) call mom 2) buy milk".
	reInlineNumber = re(`(?:^|\s)\(?\d{1,2}[.)]\s+`)
	// The last item of a comma list: "… and a melon", "… & eggs".
	reAndLast = re(`^(.+?)\s*,?\s+(?:and|&|\+|plus|as\s+well\s+as)\s+(?:also\s+)?(.+)$`)
	// An item that cannot start a task of its own: the rest of a date, a
	// place or a time ("…, at 5pm", "Dec 3, 2026").
	reNotItem = re(`^(?:at|on|by|in|due|with|before|after|until|from|to|and|or|but|then|so|which|who|that|i|i'?m|i'?ve|we|we'?re|since|because|cause|as|it'?s|that'?s|they|#)\b|^\d+(?:st|nd|rd|th)?$|^#`)
	// Verbs that start a task: two parts joined by "and" that both start
	// with one are two tasks ("buy milk and call the bank").
	reTaskVerb = re(`^(?:to\s+)?(?:buy|get|call|ring|phone|email|e-mail|text|message|pay|book|pick\s+up|drop\s+off|send|write|clean|fix|wash|walk|feed|water|cook|make|order|renew|cancel|check|finish|submit|review|prepare|pack|print|return|schedule|visit|meet|see|take|bring|collect|read|study|practice|practise|file|sign|update|clear|tidy|vacuum|hoover|mow|do|go\s+to|post|mail|ship|sort|plan|organi[sz]e|research|reply\s+to|respond\s+to|answer|contact|remind|ask|tell|invite|charge|repair|replace|install|change|move|sell|donate|recycle|empty|iron|fold|hang|load|unload|defrost|refill|top\s+up)\b`)
)

// addRequest reads the text after an add phrasing: one task, or several.
//
// Of several tasks, a priority said in front or at the end ("urgent: …",
// "… !!") is every task's, and so is a date said after the last one when
// no other has one ("add apples, pears and a melon tomorrow").
func (p *Parser) addRequest(rest, prio, bangs string, now time.Time, loc *time.Location) Intent {
	if items, day, ok := p.splitItems(rest, now, loc); ok {
		// "three things today: …": the day of the lead is every task's.
		var leadDue *dateMatch
		if dm, ok := p.dates.find(day, now, loc); ok && day != "" {
			leadDue = &dm
		}
		shared := prio
		if _, pr := takePriority(strings.Trim(rest, "! ")); pr != "" {
			shared = pr
		} else if bangs != "" {
			shared = bangs
		}
		var fs []Fields
		for _, it := range items {
			in := p.parseAdd(strings.Trim(it, "! "), "", now, loc)
			if in.Fields.Title != nil {
				if in.Fields.Priority == "" {
					in.Fields.Priority = shared
				}
				if in.Fields.Due == nil && leadDue != nil {
					at := leadDue.At
					in.Fields.Due, in.Fields.DueHasTime = &at, leadDue.HasTime
				}
				fs = append(fs, in.Fields)
			}
		}
		if len(fs) >= 2 {
			last := fs[len(fs)-1]
			dated := 0
			for _, f := range fs {
				if f.Due != nil {
					dated++
				}
			}
			if dated == 1 && last.Due != nil {
				for i := range fs[:len(fs)-1] {
					fs[i].Due, fs[i].DueHasTime = last.Due, last.DueHasTime
				}
			}
			return Intent{Kind: KindAdd, Items: fs}
		}
	}
	rest = strings.TrimSpace(reCountLead.ReplaceAllString(rest, ""))
	if bangs != "" {
		rest = strings.TrimSpace(strings.Trim(rest, "! "))
	}
	in := p.parseAdd(rest, prio, now, loc)
	if in.Fields.Priority == "" && bangs != "" {
		in.Fields.Priority = bangs
	}
	return in
}

// splitItems splits the text of an add request into the tasks it lists:
// a comma, semicolon or inline-numbered list, or parts joined by "and"
// when a count was said ("two things: …") or both parts start with a verb.
// ok is false for one task.
// day is a day said in a count lead ("three things today:").
func (p *Parser) splitItems(rest string, now time.Time, loc *time.Location) (items []string, day string, ok bool) {
	counted := false
	if m := reCountLead.FindStringSubmatchIndex(rest); m != nil && m[1] < len(rest) {
		if m[2] >= 0 {
			day = rest[m[2]:m[3]]
		}
		rest, counted = rest[m[1]:], true
	}
	rest = strings.TrimSpace(strings.TrimLeft(rest, ":-– "))
	if isQuoted(rest) || reDescPhrase.MatchString(rest) || len(rest) > 4096 {
		return nil, "", false
	}
	var parts []string
	switch {
	case reAgainAdd.MatchString(rest):
		// "add milk. add eggs", "add milk and add eggs"
		parts = reAgainAdd.Split(rest, MaxItems+1)
	case len(reInlineNumber.FindAllStringIndex(rest, 3)) >= 2:
		parts = append(parts, reInlineNumber.Split(rest, MaxItems+1)...)
	case strings.Contains(rest, ";"):
		parts = strings.Split(rest, ";")
	case strings.Contains(rest, " + ") || strings.Count(rest, " / ") >= 1:
		// "milk + eggs + bread", "milk / eggs / bread"
		parts = reSlashPlus.Split(rest, MaxItems+1)
	case strings.Contains(rest, ","):
		parts = strings.Split(rest, ",")
		last := strings.TrimSpace(parts[len(parts)-1])
		last = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(last, "and "), "& "))
		parts[len(parts)-1] = last
		if m := reAndLast.FindStringSubmatch(last); m != nil {
			parts = append(parts[:len(parts)-1], m[1], m[2])
		}
	default:
		m := reAndLast.FindStringSubmatch(rest)
		if m == nil {
			return nil, "", false
		}
		a, b := strings.TrimSpace(m[1]), strings.TrimSpace(m[2])
		bothVerbs := reTaskVerb.MatchString(strings.ToLower(a)) && reTaskVerb.MatchString(strings.ToLower(b)) &&
			strings.Contains(a, " ") && strings.Contains(b, " ") ||
			// "'email Bob' urgent and 'call Alice' low priority"
			a != "" && b != "" && strings.ContainsAny(a[:1], `'"`) && strings.ContainsAny(b[:1], `'"`)
		if !counted && !bothVerbs && !strings.HasPrefix(strings.ToLower(b), "to ") {
			return nil, "", false
		}
		parts = []string{a, strings.TrimPrefix(b, "to ")}
	}
	for _, part := range parts {
		part = strings.TrimSpace(strings.Trim(strings.TrimSpace(part), ".!?"))
		if part == "" {
			continue
		}
		l := strings.ToLower(part)
		if !hasWordChar(part) || reNotItem.MatchString(l) {
			return nil, "", false
		}
		if _, ok := p.wholeDate(part, now, loc); ok {
			return nil, "", false
		}
		items = append(items, stripArticle(part))
	}
	if len(items) < 2 {
		return nil, "", false
	}
	return items, day, true
}

// stripArticle drops "a", "an", "some" in front of an item of a list ("a
// melon" → "melon"); "the" may be part of a name and stays.
func stripArticle(s string) string {
	for _, a := range []string{"a ", "an ", "some ", "to "} {
		if len(s) > len(a) && strings.EqualFold(s[:len(a)], a) {
			return strings.TrimSpace(s[len(a):])
		}
	}
	return s
}

// parseLines reads a list pasted in, one task a line: lines with bullets
// or numbers, or lines under a lead such as "add these:" or "todo:".
func (p *Parser) parseLines(text string, now time.Time, loc *time.Location) (Intent, bool) {
	if strings.IndexByte(text, '\n') < 0 {
		return Intent{}, false
	}
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = normalize(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) < 2 {
		return Intent{}, false
	}
	if len(lines) > MaxItems+1 {
		// Not read line by line: the reply asks for smaller groups.
		return Intent{Kind: KindAdd, TooMany: len(lines) - 1}, true
	}
	lead := ""
	if !reBullet.MatchString(lines[0]) {
		lead, lines = lines[0], lines[1:]
	}
	bulleted := true
	for _, l := range lines {
		if !reBullet.MatchString(l) {
			bulleted = false
		}
	}
	if lead != "" {
		l := strings.ToLower(stripPoliteness(stripOpeners(lead)))
		colon := strings.HasSuffix(l, ":") || strings.HasSuffix(l, "-")
		l = strings.TrimSpace(strings.TrimRight(l, ":- "))
		_, _, isAdd := addLead(l + " x")
		listy := reCountLead.MatchString(l+": x") || isAdd || strings.Contains(l, "list") || strings.Contains(l, "todo") ||
			strings.Contains(l, "to-do") || strings.Contains(l, "to do") || strings.Contains(l, "tasks")
		short := true
		for _, line := range lines {
			short = short && len(line) <= 80
		}
		// "Shopping:" over short lines is a list's title.
		listy = listy || colon && short
		if !listy || !colon && !bulleted && !isAdd {
			return Intent{}, false
		}
		// "add milk\nadd eggs": the first line is a task too.
		if rest, _, ok := addLead(stripPoliteness(stripOpeners(lead))); ok && !colon &&
			!reCountLead.MatchString(strings.TrimRight(rest, ":- ")+": x") {
			lines, lead = append([]string{lead}, lines...), ""
		}
	} else if !bulleted {
		return Intent{}, false
	}
	// "todo today:": the lead's day is every task's that has none.
	var leadDue *dateMatch
	if dm, ok := p.dates.find(fixDateWords(lead), now, loc); ok && lead != "" {
		leadDue = &dm
	}
	var fs []Fields
	defer func() {
		for i := range fs {
			if fs[i].Due == nil && leadDue != nil {
				at := leadDue.At
				fs[i].Due, fs[i].DueHasTime = &at, leadDue.HasTime
			}
		}
	}()
	for _, l := range lines {
		l = strings.TrimSpace(reBullet.ReplaceAllString(l, ""))
		l = stripPoliteness(l)
		if rest, prio, ok := addLead(l); ok {
			if in := p.parseAdd(rest, prio, now, loc); in.Fields.Title != nil {
				fs = append(fs, in.Fields)
			}
			continue
		}
		if in := p.parseAdd(fixDateWords(l), "", now, loc); in.Fields.Title != nil {
			fs = append(fs, in.Fields)
		}
	}
	switch len(fs) {
	case 0:
		return Intent{}, false
	case 1:
		return Intent{Kind: KindAdd, Fields: fs[0]}, true
	}
	return Intent{Kind: KindAdd, Items: fs}, true
}

var (
	reRefBoth     = re(`^(?:both|both\s+(?:of\s+)?(?:them|those|these|tasks|ones)|the\s+two\s+of\s+them|them\s+both|the\s+two|these\s+two|those\s+two)$`)
	reRefOrdinals = re(`^(?:the\s+)?(first|last|top|bottom|final|latest)\s+(two|three|four|five|six|seven|eight|nine|ten|\d{1,2})(?:\s+(?:ones|tasks|items|to-?dos|of\s+them|on\s+the\s+list|in\s+the\s+list))*$`)
	reRefEvery    = re(`^(?:all\s+(?:of\s+)?(?:them|my\s+tasks|the\s+tasks|tasks|those|these)|(?:everything\s+(?:on|in)\s+)?(?:my|the)\s+(?:whole\s+|entire\s+)?(?:to-?do\s+)?list|all|everything|every\s+(?:task|one|single\s+(?:one|task))|whatever(?:\s+(?:tasks?|ones?))?|anything|them\s+all|the\s+lot|the\s+whole\s+list)\b\s*`)
	reRefShown    = re(`\b(?:them|those|these)\b`)
	reRefPlural   = re(`^(?:the\s+|my\s+|all\s+(?:the\s+|my\s+)?)?(?:completed|finished|done|checked(?:\s+off)?|ticked(?:\s+off)?|old|overdue|late|pending|open)(?:\s+(?:ones|tasks|items|to-?dos)\b|$)|^(?:the\s+)?(?:ones|tasks|items|to-?dos)\s+(?:that\s+are\s+|which\s+are\s+|i'?ve\s+|i\s+have\s+)?(?:already\s+)?(?:completed|finished|done|overdue)\b`)
	reRefListSep  = re(`\s*(?:,|\band\b|&|\+)\s*`)
	reRefPlurals  = re(`^(?:tasks|items|numbers|nos\.?|ids|to-?dos)\s+`)
)

// filterNoise are the words around a search in "all the meeting tasks".
var filterNoise = set("the", "my", "of", "them", "those", "these", "task", "tasks", "one", "ones", "item", "items",
	"todo", "todos", "to-do", "to-dos", "that", "which", "is", "are", "i", "have", "i've", "from", "on", "in", "list", "all")

// parseMany reads a reference to several tasks (s as typed, l lower case).
func parseMany(s, l string) (Ref, bool) {
	if reRefBoth.MatchString(l) {
		return Ref{Both: true}, true
	}
	if m := reRefOrdinals.FindStringSubmatch(l); m != nil {
		n := numberWords[m[2]]
		if n == 0 {
			n = atoi(m[2])
		}
		if n < 2 || n > MaxItems {
			return Ref{}, false
		}
		var ords []int
		for i := 1; i <= n; i++ {
			if ordinalWords[m[1]] < 0 {
				ords = append(ords, i-n-1)
			} else {
				ords = append(ords, i)
			}
		}
		return Ref{Ordinals: ords}, true
	}
	if reRefPlural.MatchString(l) {
		return Ref{All: true, filterText: s}, true
	}
	if m := reRefEvery.FindStringSubmatchIndex(l); m != nil {
		rest := strings.TrimSpace(s[m[1]:])
		// "all", "all of them", "those": the tasks of the last list shown
		// (every task when none was shown).
		if rest == "" && (reRefShown.MatchString(l[:m[1]]) || strings.TrimSpace(l[:m[1]]) == "all") {
			return Ref{All: true}, true
		}
		return Ref{All: true, filterText: rest, every: true}, true
	}
	// "tasks 2, 3 and 4", "the first and third", "#2 and #5".
	parts := reRefListSep.Split(strings.TrimSpace(reRefPlurals.ReplaceAllString(l, "")), MaxItems+1)
	if len(parts) < 2 || len(parts) > MaxItems {
		return Ref{}, false
	}
	var ids, ords []int
	for _, part := range parts {
		part = strings.TrimSpace(strings.TrimPrefix(part, "the "))
		if part == "" {
			return Ref{}, false
		}
		if _, ok := ordinalWords[strings.Fields(part)[0]]; ok {
			part = strings.Fields(part)[0]
		}
		r := parseOne(part)
		switch {
		case r.ID > 0:
			ids = append(ids, r.ID)
		case r.Ordinal != 0:
			ords = append(ords, r.Ordinal)
		default:
			return Ref{}, false
		}
	}
	switch {
	case len(ids) > 0 && len(ords) > 0:
		return Ref{}, false
	case len(ids) > 0:
		return Ref{IDs: ids}, true
	}
	return Ref{Ordinals: ords}, true
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// withFilter reads the filter of a reference to all the tasks of a kind
// ("everything due today", "whatever is finished", "all the meeting
// tasks"): list filters, else the remaining words as a search.
func (p *Parser) withFilter(in Intent, now time.Time, loc *time.Location) Intent {
	text, every := in.Ref.filterText, in.Ref.every
	in.Ref.filterText, in.Ref.every = "", false
	if !in.Ref.All || text == "" {
		if every {
			in.Ref.Filter = &Filter{} // "everything": every task
		}
		return in
	}
	f := p.parseFilter(text, now, loc)
	if f == (Filter{}) || f.Status == StatusAll && f.Window == "" && f.Tag == "" && f.Query == "" && f.Priority == "" {
		var words []string
		for _, w := range strings.Fields(strings.ToLower(text)) {
			if !filterNoise[w] {
				words = append(words, w)
			}
		}
		q := strings.Join(words, " ")
		if q == "" || !hasWordChar(q) {
			if every {
				in.Ref.Filter = &Filter{}
			}
			return in
		}
		f = Filter{Query: q}
	}
	in.Ref.Filter = &f
	return in
}
