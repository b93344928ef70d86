package offline

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file reads the ways people type into a chat box that the request
// patterns of parse.go do not: friendly openers and sign-offs around a
// request, priority markers ("asap", "!!", "p1"), typos in command and date
// words, terse completions ("#4 ✓"), natural undo ("oops, put it back"),
// "I no longer need to …", questions outside the assistant's scope and
// messages in other languages.

var (
	// A greeting or pleasantry in front of the request: "Hi!", "hey
	// TaskPilot,", "Good morning :)", "Hope you're well.".
	reOpener = re(`^(?:(?:(?:hi+|hel+o+|he+y+a?|hiya+|howdy|hallo|greetings|hey\s+hey|hi\s+hi|hello\s+hello|good\s+(?:morning|afternoon|evening|day)|morning|evening|afternoon|yo|sup)` +
		`(?:\s+(?:there|taskpilot|bot|assistant|friend|again|buddy|mate|pal|all|team|everyone))?` +
		`|hope\s+(?:you'?re|you\s+are|all'?s|all\s+is|your\s+day'?s|you'?ve\s+been)\s+[\p{L}' ]{1,30}?` +
		`|(?:a\s+)?quick\s+(?:one|question|request|thing|favou?r)|(?:can\s+i\s+ask\s+)?a\s+(?:small\s+)?favou?r|one\s+more\s+thing|sorry\s+to\s+bother\s+(?:you)?|(?:ok(?:ay)?\s+)?so+|um+|uh+|er+m*|well|right|alright|listen|btw)` +
		`(?:\s*(?:[!.,:;…~—–-]+|:-?\)|:d|;\)|\(:|[\x{1F300}-\x{1FAFF}\x{2600}-\x{26FF}\x{2764}]\x{FE0F}?))*(?:\s+|$))+`)
	// Openers that need punctuation after them to be openers ("morning
	// run" is a title; "Morning!" is a greeting).
	reBareAmbiguous = re(`^(?:morning|evening|afternoon|well|right|so+|yo|sup|listen|alright)\s+[\p{L}\d]`)

	// Sign-offs after the request (reSuffix has the short ones).
	reSignOff = re(`(?:[\s,.!-]*(?:\bplease\s+and\s+thank\s+you|\b(?:thanks|thank\s+you|thx|ty|tysm|tia|cheers|ta)(?:\s+(?:so\s+much|a\s+lot|a\s+bunch|very\s+much|in\s+advance|again|mate|buddy))*|` +
		`\bmany\s+thanks|\bmuch\s+appreciated|\b(?:i\s+)?appreciate\s+(?:it|that|you)|\byou'?re\s+(?:the\s+best|a\s+star|awesome|a\s+lifesaver)|\byou\s+rock|` +
		`\b(?:have\s+a\s+(?:good|nice|great)\s+(?:one|day|evening))|\bbye|\bxx+|\bthat'?s\s+(?:all|it)(?:\s+for\s+(?:now|today))?|:-?\)|:d|;\)|[\x{1F300}-\x{1FAFF}\x{2600}-\x{26FF}\x{2764}]\x{FE0F}?))+[\s!.]*$`)

	// Terse completions: "#4 ✓", "4 finished", "done: 4", "x 4", "✅ 3, 4".
	reTerseDoneAfter  = re(`^((?:task\s*|no\.?\s*|number\s*)?#?\d{1,9}(?:\s*(?:,|and|&|\+)?\s*(?:task\s*)?#?\d{1,9})*)\s*(?:[:\-=]\s*|(?:is|are)\s+)?(?:✓|✔|✔️|✅|☑|☑️|👍|\[x\]|x|done|finished|complete|completed|closed|ok|dun|donee)[\s!.]*$`)
	reTerseDoneBefore = re(`^(?:✓|✔|✔️|✅|☑|☑️|👍|\[x\]|x|done|finished|complete|completed|check|tick|close)\s*[:\-]?\s*((?:#|task\s*)?\d{1,9}(?:\s*(?:,|and|&|\+)?\s*(?:#|task\s*)?\d{1,9})*)[\s!.]*$`)
	reTerseDelete     = re(`^(?:del|rm|delete|remove|trash|🗑️?)\s*[:\-]?\s*((?:#|task\s*)?\d{1,9}(?:\s*(?:,|and|&|\+)\s*(?:#|task\s*)?\d{1,9})*)[\s!.]*$|^(?:#|task\s*)?(\d{1,9})\s*[:\-]?\s*(?:del|delete|deleted|remove|🗑️?)[\s!.]*$`)
	reTerseReopen     = re(`^(?:#|task\s*)?(\d{1,9})\s*[:\-]?\s*(?:reopen|re-open|undone|not\s+done)[\s!.]*$|^(?:reopen|re-open|undone)\s*[:\-]\s*(?:#|task\s*)?(\d{1,9})[\s!.]*$`)

	// Natural undo: an interjection, then a phrase asking to reverse the
	// last change ("oops", "no wait, put it back", "revert that").
	undoPhrase = `(?:undo|un-do|revert|roll\s*back|ctrl\s*\+?\s*z|cmd\s*\+?\s*z|go\s+back|` +
		`(?:put|bring|get)\s+(?:it|that|them|those|this)\s+back|restore\s+(?:that|them|those)|` +
		`take\s+(?:that|it)\s+back|restore\s+it|that\s+was\s+(?:a\s+)?(?:mistake|wrong|an\s+accident|not\s+what\s+i\s+(?:meant|wanted))|` +
		`i\s+didn'?t\s+mean\s+(?:that|it|to(?:\s+do\s+that)?)|(?:wrong|not\s+that)\s+one|reverse\s+(?:that|it)|cancel\s+that|` +
		`(?:please\s+)?undo\s+(?:that|it|this)|undelete(?:\s+(?:it|that))?|` +
		`(?:restore|bring\s+back)\s+(?:the\s+)?(?:task|one)\s+(?:i|you)\s+(?:just\s+)?(?:deleted|removed|changed|completed))` +
		`(?:\s+(?:please|pls|that|it|this|the\s+last\s+(?:change|action|one|thing)|my\s+last\s+(?:change|action)|last(?:\s+(?:change|action|one|thing))?|now|again|(?:the\s+)?(?:delete|deletion|rename|change|completion|last\s+one))\b)*`
	// Natural undo: interjections, then phrases asking to reverse the last
	// change ("oops", "no wait, put it back", "that was a mistake, undo it").
	reUndoNatural = re(`^(?:(?:oops+|whoops+|oopsie|oh\s+no|oh\s+wait|no+\s+wait|wait(?:\s+no+)?|no+|sorry|my\s+bad|ugh|argh|hmm+|ah|actually|hang\s+on|nope|nah|crap|damn|dang|shoot|oh\s+dear|whoa|i\s+changed\s+my\s+mind|changed\s+my\s+mind|that'?s\s+(?:wrong|not\s+right|a\s+mistake)|that\s+(?:is|was)\s+wrong|wrong)[\s,!.…-]*)*` +
		undoPhrase + `(?:[\s,!.…-]+` + undoPhrase + `)*[\s!.…]*$`)
	reUndoInterjection = re(`^(?:oops+|whoops+|oopsie|my\s+bad|oh\s+no)[\s!.…]*$`)

	// "I no longer need to pay bills", "scratch the groceries", "never
	// mind the team meeting", "no need to buy milk anymore".
	reNoLongerNeed = re(`^(?:i\s+)?(?:no\s+longer\s+(?:need|have|want)|(?:don'?t|do\s+not|won'?t|dont)\s+(?:need|have|want)|no\s+need)\s+(?:to\s+)?(.+?)(?:\s+(?:anymore|any\s+more|after\s+all|any\s+longer))?$`)
	// "the gym session isn't needed anymore", "the meeting got cancelled".
	reNotNeeded = re(`^(?:the\s+|my\s+)?(.+?)\s+(?:(?:isn'?t|is\s+not|aren'?t|are\s+not)\s+(?:needed|necessary|required|happening|on)(?:\s+(?:anymore|any\s+more))?|(?:is|was|got|has\s+been|have\s+been|were)\s+(?:cancell?ed|called\s+off|scrapped|dropped))$`)
	// "I won't be needing the groceries task", "we're not doing the team meeting anymore".
	reNotDoing = re(`^(?:i|we)(?:'?re|'?m|\s+am|\s+are)?\s+(?:not|no\s+longer|won'?t\s+be|will\s+not\s+be)\s+(?:doing|needing|going\s+to\s+(?:do|need))\s+(.+?)(?:\s+(?:anymore|any\s+more|after\s+all))?$`)
	reScratch  = re(`^(?:scratch|strike|nix|never\s*mind|nevermind|nvm|forget|call\s+off|no\s+more)\s+(?:about\s+|off\s+)?(.+?)(?:\s+(?:anymore|any\s+more|after\s+all))?$`)

	// Questions outside task management.
	reOffTopic = re(`\b(?:weather|forecast|rain(?:ing|y)?|snow(?:ing|y)?|sunny|temperature|degrees|` +
		`news|headlines|joke|jokes|funny|poem|story|song|songs|lyrics|music|playlist|movies?|films?|podcasts?|stock|stocks|bitcoin|crypto|exchange\s+rate|` +
		`score|scores|who\s+won|match\s+result|recipe|capital\s+of|population\s+of|translate|meaning\s+of\s+life|` +
		`square\s+root|calculate|times\s+table|how\s+much\s+is|how\s+many\s+(?:days|hours|minutes)\s+(?:until|till|in)|` +
		`what\s+time\s+is\s+it|what'?s\s+the\s+time|what\s+day\s+is\s+(?:it|today)|what'?s\s+the\s+date|how\s+are\s+you|` +
		`who\s+(?:is|was|are|were)\s+(?:the\s+)?(?:president|king|queen|prime|ceo|founder|inventor)|` +
		`are\s+you\s+(?:human|real|alive|chatgpt|an?\s+ai)|convert|define|definition\s+of|how\s+(?:tall|far|old|big|long\s+is|high|deep)|why\s+is|why\s+do|` +
		`who\s+invented|who\s+wrote|spell|synonym|president|election|horoscope|lottery|something\s+(?:interesting|funny|fun)|fun\s+facts?|a\s+fact)\b`)
	reMaths       = re(`\d\s*(?:[-+*/×÷^x]|plus|minus|times|divided\s+by|multiplied\s+by)\s*\d|\d+\s*%\s*of\s*\d`)
	reQuestionish = re(`^(?:what|what'?s|whats|who|who'?s|when|where|why|how|how'?s|which|will|is|are|do|does|did|can|could|would|tell|give|play|sing|recommend|define|convert|translate|calculate|write|search|should|any|i\s+wonder)\b|\?$`)
	reArithmetic  = re(`^[\d\s+\-*/x×÷^().=?%]+$`)
	reTaskTopics  = re(`\b(?:tasks?|to-?dos?|list|due|pending|overdue|remind(?:er)?s?|deadline|complete|completed|done|finished)\b`)
)

var (
	// A whole sentence of small talk in front of a request ("Hope you had
	// a good weekend.", "How are you?") or after it ("Also, thanks for the
	// help yesterday.").
	reOpenerSentence = re(`^(?:i\s+)?(?:hope|how\s+are\s+you|how'?s\s+(?:it\s+going|your\s+day|everything)|how\s+is\s+(?:it\s+going|your\s+day)|` +
		`happy\s+\p{L}+|long\s+time\s+no\s+see|good\s+to\s+see\s+you|nice\s+to\s+meet\s+you|it'?s\s+me(?:\s+again)?|me\s+again|` +
		`sorry\s+to\s+bother(?:\s+you)?|what'?s\s+up|how\s+have\s+you\s+been)\b[^.!?]{0,60}[.!?]+\s+`)
	reCloserSentence = re(`[.!?]\s+(?:also,?\s+|and\s+|oh\s+and\s+|btw,?\s+)?(?:thanks|thank\s+you|cheers|much\s+appreciated|(?:i\s+)?appreciate|(?:i\s+)?hope|have\s+a\s+|you'?re\s+|love\s+(?:this|the|you)|great\s+(?:job|work)|good\s+job|nice\s+one|talk\s+(?:to\s+you\s+)?(?:soon|later)|see\s+you|bye)\b[^.!?]{0,80}[.!?]*$`)
)

// stripSmallTalk removes sentences of small talk before and after a request.
func stripSmallTalk(s string) string {
	for range 3 {
		t, ok := stripHead(s, reOpenerSentence)
		if !ok {
			break
		}
		s = strings.TrimSpace(t)
	}
	if len(s) <= 512 {
		if m := reCloserSentence.FindStringSubmatchIndex(s); m != nil && m[0] > 0 {
			s = strings.TrimSpace(s[:m[0]+1])
		}
	}
	return s
}

// stripOpeners removes greetings and pleasantries in front of a request,
// each read through a window (stripHead), so the work stays linear.
func stripOpeners(s string) string {
	for {
		if reBareAmbiguous.MatchString(s[:min(len(s), edgeWindow)]) {
			return s
		}
		t, ok := stripHead(s, reOpener)
		if !ok {
			return s
		}
		s = strings.TrimLeft(t, " ,!.:;-")
	}
}

// stripSignOffs removes "thanks so much!", "much appreciated", ":)" … at
// the end, through a window at the end (stripTail).
func stripSignOffs(s string) string {
	for mayEndWith(s, signOffEnds) {
		t, ok := stripTail(s, reSignOff)
		if !ok {
			return s
		}
		s = strings.TrimRight(t, " ,;-")
	}
	return s
}

// Last words of a sign-off and of a priority marker: a text ending in
// anything else is not given to the (unanchored, costly) end patterns.
var (
	signOffEnds = set("thanks", "you", "thx", "ty", "tysm", "tia", "cheers", "ta", "much", "lot", "bunch", "advance",
		"again", "mate", "buddy", "appreciated", "it", "that", "best", "star", "awesome", "lifesaver", "rock", "one",
		"day", "evening", "bye", "all", "d", "now", "today")
	prioEnds = set("p1", "p2", "p3", "p4", "p", "asap", "urgent", "urgently", "critical", "important", "prio", "priority",
		"pri", "rush")
)

// mayEndWith reports whether s ends with one of the words ends (ignoring
// trailing spaces, '!' and '.'), a closing bracket or a non-ASCII
// character (an emoji), or "xx".
func mayEndWith(s string, ends map[string]bool) bool {
	t := strings.TrimRight(s, " !.")
	if t == "" {
		return false
	}
	if c := t[len(t)-1]; c >= utf8.RuneSelf || c == ')' || c == ']' {
		return true
	}
	j := len(t)
	for j > 0 && (t[j-1] >= 'a' && t[j-1] <= 'z' || t[j-1] >= 'A' && t[j-1] <= 'Z' || t[j-1] >= '0' && t[j-1] <= '9') {
		j--
	}
	w := strings.ToLower(t[j:])
	return ends[w] || strings.HasPrefix(w, "xx")
}

// bangPriority reads a run of exclamation marks standing alone or ending
// the message ("renew license !!", "call the bank!!!"): two are high, three
// or more urgent. A single one is punctuation.
func bangPriority(s string) string {
	end := len(s)
	for end > 0 && (s[end-1] == ' ' || s[end-1] == '.') {
		end--
	}
	n := 0
	for n < end && s[end-1-n] == '!' {
		n++
	}
	// A standalone "!!" at the start: "!!! server is down".
	if n < 2 {
		n = 0
		for n < len(s) && s[n] == '!' {
			n++
		}
		if n < len(s) && s[n] != ' ' {
			n = 0
		}
	}
	switch {
	case n >= 3:
		return PriorityUrgent
	case n == 2:
		return PriorityHigh
	}
	return ""
}

var (
	// Priority said around a title: "urgent: …", "… asap", "… (low
	// priority)", "…, not important", "p1 …" (Todoist's p1–p4), anywhere in
	// brackets, otherwise at the start or the end of the title only (a
	// title may use the words: "read important emails").
	prioMarker   = `(?:p[1-4]|asap|a\.s\.a\.p\.?|urgent(?:ly)?|critical|important|very\s+important|super\s+important|top\s+priority|high\s+prio(?:rity)?|hi[\s-]?pri|low\s+prio(?:rity)?|lo[\s-]?pri|med(?:ium)?\s+prio(?:rity)?|(?:not|non|no|nothing)[\s-]+(?:very\s+)?(?:urgent|important|a\s+priority|critical)|unimportant|no\s+rush|low\s+priority|high\s+priority|medium\s+priority|urgent\s+priority|it'?s\s+(?:very\s+|super\s+|really\s+)?(?:urgent|important|critical|not\s+(?:urgent|important))|this\s+is\s+(?:urgent|important))`
	rePrioLead   = re(`^(?:!+\s*)?(?:(` + prioMarker + `)\s*!*\s*[:\-–—,]\s*|(p[1-4]|urgent(?:ly)?|important|asap|high\s+priority|low\s+priority|urgent\s+priority)!*\s+)`)
	rePrioTail   = re(`(?:^|[\s,;.(\[-]+)(?:[(\[]\s*)?(?:(?:with|at|as|of)\s+(?:an?\s+)?)?(` + prioMarker + `)(?:\s*!+)?(?:\s*[)\]])?[\s!.]*$`)
	reBangs      = re(`\s*!{2,}`)
	rePrioParens = re(`\s*[(\[]\s*(` + prioMarker + `)\s*!*\s*[)\]]`)
)

// stripPrioTail removes a priority marker at the end of s.
func stripPrioTail(s string) (string, bool) {
	if !mayEndWith(s, prioEnds) {
		return s, false
	}
	return stripTail(s, rePrioTail)
}

// markerPriority maps a priority marker to a priority.
func markerPriority(m string) string {
	l := strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(m, "-", " ")), " "))
	l = strings.TrimPrefix(l, "it's ")
	l = strings.TrimPrefix(l, "its ")
	l = strings.TrimPrefix(l, "this is ")
	for _, w := range []string{"very ", "super ", "really "} {
		l = strings.TrimPrefix(l, w)
	}
	switch {
	case l == "p1", strings.HasPrefix(l, "asap"), strings.HasPrefix(l, "a.s.a.p"), strings.HasPrefix(l, "urgent"),
		l == "critical", l == "top priority":
		return PriorityUrgent
	case l == "p2", l == "important", strings.HasPrefix(l, "high"), l == "hi pri":
		return PriorityHigh
	case l == "p3", strings.HasPrefix(l, "med"):
		return PriorityMedium
	case l == "p4", strings.HasPrefix(l, "low"), l == "lo pri", strings.HasPrefix(l, "not "), strings.HasPrefix(l, "non "),
		strings.HasPrefix(l, "no "), strings.HasPrefix(l, "nothing "), l == "unimportant":
		return PriorityLow
	}
	return ""
}

// takePriority removes priority markers from an add request's text and
// returns the priority they say ("" for none).
func takePriority(s string) (string, string) {
	prio := ""
	// "!!! server is down"
	if n := len(s) - len(strings.TrimLeft(s, "!")); n >= 2 && n < len(s) && s[n] == ' ' {
		prio, s = bangPriority(s[:n]), strings.TrimSpace(s[n:])
	}
	for range 3 {
		changed := false
		if m := reBangs.FindStringSubmatchIndex(s); m != nil && prio == "" {
			// "finish the report!!! due friday"
			prio = bangPriority(s[m[0]:m[1]])
			s = strings.TrimSpace(s[:m[0]] + " " + s[m[1]:])
			changed = true
		}
		if m := rePrioParens.FindStringSubmatchIndex(s); m != nil {
			prio = markerPriority(s[m[2]:m[3]])
			s = strings.TrimSpace(s[:m[0]] + " " + s[m[1]:])
			changed = true
		}
		if t, ok := stripPrioTail(s); ok {
			if m := rePrioTail.FindStringSubmatch(s[len(t):]); m != nil {
				prio = markerPriority(m[1])
			}
			s, changed = strings.TrimRight(t, " ,;-–—"), true
		}
		if m := rePrioLead.FindStringSubmatchIndex(s[:min(len(s), edgeWindow)]); m != nil && m[1] < len(s) {
			if m[2] >= 0 {
				prio = markerPriority(s[m[2]:m[3]])
			} else {
				prio = markerPriority(s[m[4]:m[5]])
			}
			s, changed = strings.TrimSpace(s[m[1]:]), true
		}
		if !changed {
			break
		}
	}
	return s, prio
}

// commandWords are the verbs a message starts with that a typo may hide
// ("addd", "delte", "shw"): each word within a small edit distance of one
// of them (see fixCommandWord).
var commandWords = []string{"add", "create", "delete", "remove", "complete", "finish", "mark", "show", "list",
	"rename", "move", "reschedule", "remind", "undo", "reopen", "change", "update"}

// notTypos are real words near a command word that must stay as they are.
var notTypos = set("and", "at", "all", "an", "as", "snow", "shot", "shoe", "slow", "lost", "last", "mask", "dark",
	"park", "bark", "remote", "crate", "finnish", "compete", "delay", "mare", "more", "love", "mode", "undue", "under",
	"odd", "aid", "app", "lust", "lest", "mist", "fist", "gist", "dad", "mad", "bad", "had", "sad", "pad", "lad",
	"remained", "remains", "reminds", "shows", "shop", "stow", "chow", "how", "now", "row", "sow", "cow", "wow", "low",
	"mow", "bow", "tow", "mart", "mary", "market", "marker", "mars", "chance", "charge", "changes", "updated",
	"renamed", "reopens", "removed", "deleted", "listen", "lists", "lisa", "marks", "moved", "moves", "movie",
	"mover", "adds", "added", "finished", "created", "completed", "creature", "crater", "delta", "relist", "unlist")

// fixCommandWord corrects a typo in the first word of s when it is close
// to a command word and is not a word in its own right; ok is false when
// there is nothing to correct.
func fixCommandWord(s string) (string, bool) {
	end := strings.IndexByte(s, ' ')
	if end < 0 {
		end = len(s)
	}
	w := strings.ToLower(s[:end])
	// "crate a task to …": a real word, but not before "a task".
	if notTypos[w] && !reTaskNext.MatchString(s[end:]) || len(w) < 2 || len(w) > 12 {
		return s, false
	}
	if reAddStutter.MatchString(w) {
		return "add" + s[end:], true
	}
	switch w {
	case "ad", "aad", "adda", "dd", "adf", "sdd", "add:":
		return "add" + s[end:], true
	case "remindme", "remid", "rmind", "reminde":
		return "remind me" + strings.TrimPrefix(s[end:], " me"), true
	case "creat", "crete", "craete":
		return "create" + s[end:], true
	case "shw", "sho", "shwo", "lst", "lis", "lsit", "lits", "ls":
		return "show" + s[end:], true
	}
	if len(w) < 4 {
		return s, false
	}
	best, bestD := "", 3
	for _, c := range commandWords {
		limit := 1
		if len(c) >= 6 {
			limit = 2
		}
		if d := damerauLevenshtein(w, c, limit); d > 0 && d <= limit && d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return s, false
	}
	return best + s[end:], true
}

// reTimeNext is a time of day right after a word ("thurs 3pm", "fri at noon").
var reTimeNext = re(`^[\s,]*(?:at\b|@|\d|noon|midday|morning|afternoon|evening|night|eod\b)`)

// reAddStutter is "add" with its letters held down: "addd", "adddd", "aadd".
var reAddStutter = re(`^a+d{2,}$|^a{2,}d+$`)

// reTaskNext is a task noun right after the first word.
var reTaskNext = re(`^\s+(?:a\s+|an\s+|the\s+|new\s+|a\s+new\s+)?(?:task|reminder|to-?do)\b`)

// dateWords maps shorthand and misspellings of date words to the word the
// date rules know. Abbreviated weekdays are real words too ("sun cream",
// "mon"): they are read as weekdays only after a date connector or at the
// end of the message (see fixDateWords).
var dateWords = map[string]string{
	"tmrw": "tomorrow", "tmrow": "tomorrow", "tmorrow": "tomorrow", "tomoz": "tomorrow", "2moro": "tomorrow",
	"2morrow": "tomorrow", "2mrw": "tomorrow", "tmw": "tomorrow", "tommorow": "tomorrow",
	"tommorrow": "tomorrow", "tomorow": "tomorrow", "tomorrw": "tomorrow", "tomrrow": "tomorrow", "tomorro": "tomorrow",
	"tmr": "tomorrow", "tomorroe": "tomorrow", "tomrow": "tomorrow",
	"tdy": "today", "2day": "today", "todya": "today", "tody": "today", "toady": "today",
	"tonite": "tonight", "2nite": "tonight", "tonigth": "tonight", "2night": "tonight",
	"nxt": "next", "nexy": "next", "wk": "week", "wks": "weeks", "wkend": "weekend", "wknd": "weekend",
	"b4": "before", "weekened": "weekend", "mins": "minutes", "hrs": "hours", "hr": "hour", "nex": "next", "wek": "week", "weeek": "week",
}

// tailWords are misspellings of the words that end a completion ("mark
// task 3 as dnoe"), read as such at the end of a message only.
var tailWords = map[string]string{"dnoe": "done", "doen": "done", "donr": "done", "completd": "completed",
	"compelted": "completed", "complet": "complete", "finsihed": "finished", "finshed": "finished", "fnished": "finished"}

// taskTypos are misspellings of "task" before a number ("delete tsak 3").
var taskTypos = set("tsak", "taks", "tassk", "tsk", "tak", "taskk")

// weekdayAbbrev are the short weekday forms the date rules may not know.
var weekdayAbbrev = map[string]string{
	"mon": "monday", "tue": "tuesday", "tues": "tuesday", "wed": "wednesday", "weds": "wednesday",
	"thu": "thursday", "thur": "thursday", "thurs": "thursday", "fri": "friday", "sat": "saturday", "sun": "sunday",
}

var weekdayNames = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "tomorrow", "tonight"}

// notDates are real words near a date word.
var notDates = set("sundae", "sundaes", "tonights", "tomorrows", "mondayz", "fridays", "sundays", "mondays",
	"tuesdays", "wednesdays", "thursdays", "saturdays", "frida", "thirsty")

// dateConnectors are the words after which a weekday abbreviation is a day.
var dateConnectors = map[string]bool{"on": true, "by": true, "next": true, "this": true, "until": true, "till": true,
	"before": true, "due": true, "for": true, "from": true, "til": true, "after": true, "every": true}

// fixDateWords rewrites shorthand and misspelt date words ("tmrw",
// "nxt week", "thurs", "wensday") to what the date rules read, leaving
// every other word, and anything in quotes, as typed. It reads s once.
func fixDateWords(s string) string {
	var b strings.Builder
	changed := false
	prev := ""
	inQuote := byte(0)
	i := 0
	for i < len(s) {
		c := s[i]
		if c == '"' || (c == '\'' && (i == 0 || s[i-1] == ' ' || inQuote == '\'')) {
			switch inQuote {
			case 0:
				inQuote = c
			case c:
				inQuote = 0
			}
		}
		if !isWordByte(c) || inQuote != 0 {
			b.WriteByte(c)
			i++
			continue
		}
		j := i
		for j < len(s) && isWordByte(s[j]) {
			j++
		}
		word := s[i:j]
		repl := ""
		if len(word) <= 12 {
			l := strings.ToLower(word)
			// At the end of the message or before a time of day; read
			// through a window of what follows (not all of it: per word,
			// that would be quadratic).
			atEnd := func() bool {
				rest := s[j:min(len(s), j+24)]
				return strings.TrimRight(rest, " .!?,") == "" && j+24 >= len(s) || reTimeNext.MatchString(rest)
			}
			switch r, ok := dateWords[l]; {
			case ok && r != "":
				repl = r
			case tailWords[l] != "" && atEnd():
				repl = tailWords[l]
			case taskTypos[l] && j+1 < len(s) && s[j] == ' ' && strings.ContainsAny(s[j+1:j+2], "#0123456789"):
				repl = "task"
			case weekdayAbbrev[l] != "" && (dateConnectors[prev] || atEnd()):
				repl = weekdayAbbrev[l]
			case len(l) >= 5 && !ok && !notDates[l] && !slices.Contains(weekdayNames, l):
				limit := 1
				if len(l) >= 8 {
					limit = 2
				}
				best := limit + 1
				for _, d := range weekdayNames {
					if l == d+"s" || l[0] != d[0] {
						continue
					}
					if dist := damerauLevenshtein(l, d, limit); dist < best {
						repl, best = d, dist
					}
				}
			}
			prev = l
		}
		if repl != "" {
			b.WriteString(repl)
			changed = true
		} else {
			b.WriteString(word)
		}
		i = j
	}
	if !changed {
		return s
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= utf8.RuneSelf
}

// damerauLevenshtein is the optimal string alignment distance of a and b
// (insertions, deletions, substitutions and swaps of two neighbours), or
// limit+1 once it exceeds limit. Hand-written: the words compared are a
// dozen bytes at most, and the module has no edit-distance library; the
// title matcher's editDistanceAtMostOne allows no swap.
func damerauLevenshtein(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// parseTerse reads the short forms people type to tick a task off or
// delete it: "#4 ✓", "4 finished", "done: 4", "x 4", "del 3", "5 reopen".
func parseTerse(s string) (Intent, bool) {
	if len(s) > 64 || !strings.ContainsAny(s, "0123456789") {
		return Intent{}, false
	}
	// "#1 done, #3 done": terse forms of one kind, listed.
	if parts := reTerseSep.Split(s, 6); len(parts) > 1 {
		var all Intent
		for _, part := range parts {
			in, ok := parseTerse(part)
			if !ok || all.Kind != "" && in.Kind != all.Kind {
				all = Intent{}
				break
			}
			all.Kind = in.Kind
			if in.Ref.ID > 0 {
				all.Ref.IDs = append(all.Ref.IDs, in.Ref.ID)
			}
			all.Ref.IDs = append(all.Ref.IDs, in.Ref.IDs...)
		}
		if all.Kind != "" && len(all.Ref.IDs) > 1 {
			return all, true
		}
	}
	if m := reTerseDoneAfter.FindStringSubmatch(s); m != nil {
		return manyIDs(KindComplete, m[1])
	}
	if m := reTerseDoneBefore.FindStringSubmatch(s); m != nil {
		return manyIDs(KindComplete, m[1])
	}
	if m := reTerseDelete.FindStringSubmatch(s); m != nil {
		return manyIDs(KindDelete, m[1]+m[2])
	}
	if m := reTerseReopen.FindStringSubmatch(s); m != nil {
		return manyIDs(KindReopen, m[1]+m[2])
	}
	return Intent{}, false
}

// reTerseSep separates terse forms listed in one message.
var reTerseSep = re(`\s*(?:[,;]|\band\b)\s*(?:[,;]|\band\b)?\s*`)

// manyIDs is kind on the task ids listed in s ("3", "3, 4 and 5").
func manyIDs(kind Kind, s string) (Intent, bool) {
	var ids []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsDigit(r) }) {
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return Intent{}, false
		}
		if !containsInt(ids, n) {
			ids = append(ids, n)
		}
	}
	switch len(ids) {
	case 0:
		return Intent{}, false
	case 1:
		return Intent{Kind: kind, Ref: Ref{ID: ids[0]}}, true
	}
	return Intent{Kind: kind, Ref: Ref{IDs: ids}}, true
}

func containsInt(s []int, n int) bool {
	for _, x := range s {
		if x == n {
			return true
		}
	}
	return false
}

// offTopic names what a question outside task management is about
// ("the weather", "maths"), or "" when s reads as being about tasks.
//
// Only short messages are read: a question is a sentence or two.
func offTopic(s string) string {
	if len(s) > 512 {
		return ""
	}
	l := strings.ToLower(s)
	if reTaskTopics.MatchString(l) {
		return ""
	}
	if reMaths.MatchString(l) && (reQuestionish.MatchString(l) || reArithmetic.MatchString(l)) {
		return "maths"
	}
	// A to-do may name these things ("listen to the podcast tomorrow"):
	// only a question or a request to the assistant is off topic.
	if !reQuestionish.MatchString(l) {
		return ""
	}
	var m string
	if sm := reOffTopic.FindStringSubmatch(l); sm != nil {
		m = sm[0]
	}
	switch {
	case m == "":
		return ""
	case weatherWords[m]:
		return "the weather"
	case m == "news" || m == "headlines":
		return "the news"
	case strings.HasPrefix(m, "joke") || m == "funny" || m == "poem" || m == "story" || m == "song" || m == "lyrics":
		return "jokes, poems or stories"
	case strings.Contains(m, "time") || strings.Contains(m, "day is") || strings.Contains(m, "date"):
		return "the time or date"
	case strings.HasPrefix(m, "how are you") || strings.HasPrefix(m, "are you"):
		return "me"
	case mathsWords[m] || strings.HasPrefix(m, "how many"):
		return "maths"
	}
	return "general knowledge"
}

var (
	weatherWords = set("weather", "forecast", "rain", "raining", "rainy", "snow", "snowing", "snowy", "sunny",
		"temperature", "degrees")
	mathsWords = set("square root", "calculate", "times table", "how much is")
)

// Words of other languages common in to-do requests, by language.
var foreignWords = map[string]map[string]bool{
	"Spanish": set("añadir", "añade", "agregar", "agrega", "tarea", "tareas", "mañana", "comprar", "mis", "mostrar",
		"muestra", "muéstrame", "hoy", "leche", "recordar", "recuérdame", "recordarme", "llamar", "eliminar", "borrar",
		"lista", "hacer", "por", "favor", "pendientes", "completar", "semana", "próxima", "el", "la", "los", "las", "de", "que", "y", "pan"),
	"French": set("ajoute", "ajouter", "ajouterais", "tâche", "tâches", "demain", "acheter", "pain", "mes", "afficher",
		"montre", "montre-moi", "aujourd'hui", "lait", "rappelle-moi", "rappeler", "appeler", "supprimer", "liste",
		"faire", "s'il", "vous", "plaît", "stp", "svp", "le", "les", "du", "des", "une", "et", "à", "moi", "semaine", "prochaine"),
	"German": set("füge", "hinzu", "hinzufügen", "aufgabe", "aufgaben", "morgen", "kaufen", "milch", "brot", "zeige",
		"zeig", "meine", "heute", "bitte", "erinnere", "erinnern", "anrufen", "löschen", "liste", "erledigt", "mich",
		"die", "der", "das", "und", "ich", "muss", "nächste", "woche", "wie", "ist", "es", "spät", "uhr", "was", "eine"),
	"Italian": set("aggiungi", "aggiungere", "compito", "compiti", "domani", "comprare", "latte", "pane", "mostra",
		"mostrami", "oggi", "ricordami", "ricordare", "chiamare", "elimina", "cancella", "lista", "fare", "per",
		"favore", "il", "lo", "gli", "di", "che", "miei", "mie", "attività"),
	"Portuguese": set("adicionar", "adiciona", "adicione", "tarefa", "tarefas", "amanhã", "comprar", "leite", "pão",
		"mostrar", "mostre", "hoje", "lembrar", "lembre-me", "me", "ligar", "apagar", "excluir", "lista", "fazer",
		"por", "favor", "minhas", "meus", "o", "os", "da", "do", "que", "e"),
	"Dutch": set("voeg", "toe", "toevoegen", "taak", "taken", "morgen", "kopen", "melk", "brood", "toon", "laat",
		"zien", "mijn", "vandaag", "herinner", "bellen", "verwijder", "lijst", "alsjeblieft", "een", "het", "en", "ik", "moet"),
}

// languages are the keys of foreignWords in order; foreignIndex maps each
// word to the languages it belongs to (bit i: languages[i]).
var (
	languages    = [...]string{"Dutch", "French", "German", "Italian", "Portuguese", "Spanish"}
	foreignIndex = func() map[string]uint8 {
		m := map[string]uint8{}
		for i, lang := range languages {
			for w := range foreignWords[lang] {
				m[w] |= 1 << i
			}
		}
		return m
	}()
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// englishWords are words of to-do requests that foreign word lists share
// ("me", "lista" aside): a message with them is read as English.
var englishWords = set("add", "task", "tasks", "the", "my", "to", "show", "list", "remind", "delete", "please",
	"tomorrow", "today", "buy", "call", "mark", "done", "complete", "what", "is", "a", "and", "on", "for", "with",
	"remove", "new", "create", "due", "at", "in", "of", "pay", "get", "set", "need")

// foreignGreetings are greetings of other languages said alone.
var foreignGreetings = map[string]string{"hola": "Spanish", "buenos días": "Spanish", "buenas": "Spanish",
	"bonjour": "French", "salut": "French", "bonsoir": "French", "ciao": "Italian", "buongiorno": "Italian",
	"olá": "Portuguese", "bom dia": "Portuguese", "guten tag": "German", "guten morgen": "German",
	"servus": "German", "moin": "German", "hoi": "Dutch", "goedemorgen": "Dutch", "gracias": "Spanish",
	"merci": "French", "danke": "German", "grazie": "Italian", "obrigado": "Portuguese", "obrigada": "Portuguese"}

// foreignLanguage names the language s seems to be written in when it is
// not English: mostly letters of another script, or words of one of the
// languages above and no English request words.
func foreignLanguage(s string) (string, bool) {
	latin, other := 0, 0
	script := ""
	for _, r := range s[:min(len(s), 2048)] {
		switch {
		case !unicode.IsLetter(r):
		case r < 0x250:
			latin++
		default:
			other++
			if script == "" {
				script = scriptName(r)
			}
		}
	}
	if other > latin {
		return script, true
	}
	if lang, ok := foreignGreetings[strings.ToLower(strings.Trim(s, " !.?,"))]; ok {
		return lang, true
	}
	var counts [len(languages)]int
	english := 0
	for _, w := range strings.FieldsFunc(s[:min(len(s), 2048)], func(r rune) bool {
		return !unicode.IsLetter(r) && r != '\'' && r != '-'
	}) {
		w = strings.ToLower(w)
		if englishWords[w] {
			english++
		}
		for i, in := 0, foreignIndex[w]; in != 0; i, in = i+1, in>>1 {
			if in&1 != 0 {
				counts[i]++
			}
		}
	}
	best, n := "", 0
	for i, c := range counts {
		if c > n {
			best, n = languages[i], c
		}
	}
	if n >= 2 && english == 0 || n >= 3 && n > 2*english {
		return best, true
	}
	return "", false
}

func scriptName(r rune) string {
	for _, s := range []struct {
		name  string
		table *unicode.RangeTable
	}{
		{"Russian or another language written in Cyrillic", unicode.Cyrillic},
		{"Chinese or Japanese", unicode.Han}, {"Japanese", unicode.Hiragana}, {"Japanese", unicode.Katakana},
		{"Korean", unicode.Hangul}, {"Arabic", unicode.Arabic}, {"Hebrew", unicode.Hebrew}, {"Greek", unicode.Greek},
		{"Hindi or another language written in Devanagari", unicode.Devanagari}, {"Thai", unicode.Thai},
	} {
		if unicode.Is(s.table, r) {
			return s.name
		}
	}
	return "another language"
}

// gerunds are the -ing forms of command verbs after "would you mind …".
var gerunds = map[string]string{"adding": "add", "putting": "put", "creating": "create", "deleting": "delete",
	"removing": "remove", "marking": "mark", "moving": "move", "renaming": "rename", "completing": "complete",
	"showing": "show", "listing": "list", "setting": "set", "changing": "change", "making": "make",
	"rescheduling": "reschedule", "reminding": "remind", "reopening": "reopen", "tagging": "tag"}

// fixGerund writes a leading "adding …" as "add …".
func fixGerund(s string) string {
	end := strings.IndexByte(s, ' ')
	if end < 0 {
		return s
	}
	if base, ok := gerunds[strings.ToLower(s[:end])]; ok {
		return base + s[end:]
	}
	return s
}

// reIDRange is a range of task ids: "tasks 1-3", "#2 to #5", "1 through 4".
var reIDRange = re(`^(complete|finish|close|tick\s+off|check\s+off|delete|remove|reopen|mark)\s+(?:tasks?\s+|items?\s+|numbers?\s+)?#?(\d{1,6})\s*(?:-|–|to|through|thru)\s*#?(\d{1,6})(?:\s+(?:as\s+)?(done|complete|completed|finished))?$`)

// idRange is the intent of a reIDRange match.
func idRange(m []string) (Intent, bool) {
	from, to := atoi(m[2]), atoi(m[3])
	if from <= 0 || to <= from || to-from >= MaxItems {
		return Intent{}, false
	}
	kind := KindComplete
	switch strings.ToLower(m[1]) {
	case "delete", "remove":
		kind = KindDelete
	case "reopen":
		kind = KindReopen
	case "mark":
		if m[4] == "" {
			return Intent{}, false
		}
	}
	var ids []int
	for i := from; i <= to; i++ {
		ids = append(ids, i)
	}
	return Intent{Kind: kind, Ref: Ref{IDs: ids}}, true
}
