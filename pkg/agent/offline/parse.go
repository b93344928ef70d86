package offline

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Parser turns one user message into an Intent. It is pure and
// deterministic: the same text, clock and zone give the same Intent. A
// Parser is safe for concurrent use.
type Parser struct {
	dates *dateFinder
	// maxBytes is the longest message read (MaxParseBytes; ≤ 0: no limit,
	// for the benchmark of the parser's growth).
	maxBytes int
}

// NewParser builds a Parser.
func NewParser() *Parser {
	return &Parser{dates: newDateFinder(), maxBytes: MaxParseBytes}
}

// re compiles a case-insensitive pattern with its prefilter, once: every
// pattern is a package variable, and reCache holds them all (the tests
// check each against its regexp).
func re(expr string) *pattern {
	if v, ok := reCache.Load(expr); ok {
		return v.(*pattern)
	}
	r := newPattern(regexp.MustCompile(`(?i)` + expr))
	reCache.Store(expr, r)
	return r
}

var reCache sync.Map

// Words shared by the patterns below.
const (
	taskNoun = `(?:tasks?|to-?dos?|items?|reminders?|entry|entries)`
	prioWord = `(?:none|no|low|lowest|medium|normal|mid|moderate|high|highest|top|urgent|critical|important)`
	doneWord = `(?:done|complete|completed|finished|closed|resolved|checked(?:\s+off)?|ticked\s+off|crossed\s+off)`
	openWord = `(?:not\s+done|not\s+complete(?:d)?|not\s+finished|incomplete|undone|uncompleted|unfinished|pending|open|active|to-?do)`
)

var (
	// Politeness and fillers around a request.
	rePrefix = re(`^(?:please|pls|plz|kindly|ok(?:ay)?|so|hey|hi|hello|yo|now|and|also|then|alright|well|oh|um+|uh+|` +
		`(?:can|could|would|will|won't)\s+(?:you|u)(?:\s+please)?|` +
		`(?:i'?d|i\s+would)\s+like\s+(?:you\s+)?to|i\s+want\s+you\s+to|` +
		`help\s+me(?:\s+to)?|go\s+ahead\s+and|just|quickly|let'?s|` +
		`i\s+was\s+(?:just\s+)?wondering\s+if\s+(?:you\s+)?(?:could|can|would)(?:\s+please)?|i\s+wonder\s+if\s+you\s+could|` +
		`(?:would|do|will)\s+you\s+mind|mind|could\s+you\s+possibly|is\s+it\s+possible\s+(?:for\s+you\s+)?to|` +
		`(?:can|could)\s+i\s+(?:get\s+you\s+to|ask\s+you\s+to)|i'?d\s+(?:really\s+)?appreciate\s+it\s+if\s+you\s+(?:could|would)|` +
		`(?:i\s+)?need\s+you\s+to|you\s+(?:can|could|should)|please\s+(?:can|could)\s+you)\b[\s,!.:-]*`)
	reSuffix = re(`[\s,]*(?:\b(?:please|pls|plz|thanks|thank\s+you|thx|for\s+me|now)\b|[?!.…]+|:\)|:-\))+\s*$`)

	reGreeting = re(`^(?:hi|hello|hey|hiya|howdy|yo|greetings|good\s+(?:morning|afternoon|evening|day)|hi\s+there|hello\s+there|hey\s+there|what'?s\s+up|sup)(?:\s+(?:there|taskpilot|bot|assistant|friend))?[\s!.,]*$`)
	reThanks   = re(`^(?:thanks|thank\s+you|thx|ty|cheers|great|awesome|perfect|cool|nice|ok(?:ay)?|got\s+it|sounds\s+good)(?:\s+(?:so\s+much|a\s+lot|very\s+much))?[\s!.,]*$`)
	reHelp     = re(`^(?:help|\?+|commands|menu|options|what\s+can\s+(?:you|i)\s+(?:do|say|ask)|how\s+does\s+(?:this|it)\s+work|how\s+do\s+i\s+use\s+(?:this|you)|what\s+do\s+you\s+do|who\s+are\s+you|what\s+are\s+you|help\s+me)\b.*$`)
	reUndo     = re(`^(?:undo|revert|roll\s*back|take\s+(?:that|it)\s+back|never\s*mind|nevermind|cancel\s+that|reverse\s+(?:that|it|the\s+last\s+(?:change|action|one))|oops)(?:\s+(?:that|it|this|the\s+last\s+(?:change|action|one|thing)|my\s+last\s+(?:change|action)|last\s+(?:change|action)))?$`)

	// Updates with a dedicated verb or field name.
	reRename     = re(`^(?:rename|retitle|re-title)\s+(.+?)\s+(?:to|as|into)\s+(.+)$`)
	reTitleOf    = re(`^(?:change|update|edit|set|make)\s+(?:the\s+)?(?:title|name|wording)\s+(?:of|for|on)\s+(.+?)\s+(?:to|as|into)\s+(.+)$`)
	reTitleOf2   = re(`^(?:change|update|edit|set|make)\s+(.+?)'?s?\s+(?:title|name)\s+(?:to|as|into)\s+(.+)$`)
	reMove       = re(`^(?:move|reschedule|re-schedule|postpone|push(?:\s+back)?|defer|delay|shift|bump|snooze)\s+(.+?)\s+(?:to|until|till|til|for|on|by|into)\s+(.+)$`)
	reShift      = re(`^(?:push|move|postpone|delay|shift|bump|defer|snooze|bring)\s+(.+?)\s+(?:back\s+|forward\s+|out\s+|ahead\s+)?(?:by\s+)?(a|an|one|two|three|four|five|six|seven|\d{1,3})\s+(minutes?|mins?|hours?|hrs?|days?|weeks?)(?:\s+(?:later|back|earlier|forward))?$`)
	reDueOf      = re(`^(?:set|change|update|make|move|put)\s+(?:the\s+)?(?:due\s+date|deadline|due\s+time|due)\s+(?:of|for|on)\s+(.+?)\s+(?:to|as|for|on)\s+(.+)$`)
	reIsDue      = re(`^(.+?)\s+(?:is|should\s+be|needs\s+to\s+be)\s+(?:due|done|finished)\s+(?:by|on|at|before|until)?\s*(.+)$`)
	reMakeDue    = re(`^(?:set|make|mark)\s+(.+?)\s+(?:as\s+)?due\s+(?:by|on|at|before|until)?\s*(.+)$`)
	reClearDue   = re(`^(?:remove|clear|delete|drop|unset|take\s+off|get\s+rid\s+of)\s+(?:the\s+)?(?:due\s+date|deadline|due\s+time|due)\s+(?:from|of|on|for)\s+(.+)$`)
	rePrioOf     = re(`^(?:set|change|update|make|put|raise|lower|bump|drop)\s+(?:the\s+)?(?:priority|prio)\s+(?:of|for|on)\s+(.+?)\s+(?:to|as|at)\s+(?:a\s+)?(` + prioWord + `)(?:\s+priority)?$`)
	rePrioSet    = re(`^(?:set|change|update|make|mark|flag|put|give|bump|raise|lower|drop)\s+(.+?)\s+(?:to|as|at|a)?\s*(?:an?\s+)?(` + prioWord + `)(?:[\s-]+priority)?$`)
	rePrioSet2   = re(`^(?:set|change|update|make|mark|flag|put|give|bump|raise|lower|drop)\s+(.+?)\s+(?:to|as|at)?\s*(?:an?\s+)?priority\s+(?:of\s+)?(` + prioWord + `)$`)
	rePrioritize = re(`^(prioriti[sz]e|de-?prioriti[sz]e)\s+(.+)$`)
	reTagWith    = re(`^(?:tag|label)\s+(.+?)\s+(?:with|as)\s+(.+)$`)
	reAddTag     = re(`^(?:add|put|attach)\s+(?:the\s+)?(?:tags?|labels?)\s+(.+?)\s+(?:to|on)\s+(.+)$`)
	reAddHashTag = re(`^(?:add|put|attach)\s+((?:#[\p{L}\p{N}_-]+[\s,]*(?:and\s+)?)+)\s+(?:to|on)\s+(.+)$`)
	reDescOf     = re(`^(?:set|change|update|add|edit|write)\s+(?:the\s+|a\s+|an?\s+)?(?:description|note|notes|details)\s+(?:of|for|on|to)\s+(.+?)\s*(?:\bto\b|\bas\b|:|\bsaying\b|-)\s*(.+)$`)
	reDescribe   = re(`^describe\s+(.+?)\s+as\s+(.+)$`)
	reChangeTo   = re(`^(?:change|update|edit|set|make|turn)\s+(.+?)\s+(?:to|into|as)\s+(.+)$`)
	reReopen     = re(`^(?:re-?open|un-?complete|un-?check|un-?tick|un-?mark|restore|resume)\s+(.+)$`)
	reMarkOpen   = re(`^(?:mark|set|flag|put|move)\s+(.+?)\s+(?:as\s+|to\s+|back\s+to\s+)?(?:back\s+)?` + openWord + `(?:\s+again)?$`)
	reMarkDone   = re(`^(?:mark|set|flag|put|move)\s+(.+?)\s+(?:as\s+|to\s+)?` + doneWord + `$`)
	reCompleteVb = re(`^(?:complete|finish|close|resolve|check\s+off|tick\s+off|cross\s+off|check|tick)\s+(.+)$`)
	reIDone      = re(`^(?:i(?:'ve|\s+have|'m|\s+am)?\s+)?(?:just\s+|already\s+)?(?:done|finished|completed|did|accomplished|wrapped\s+up)\s+(?:with\s+)?(.+)$`)
	reIDidPast   = re(`^i(?:'ve|\s+have)?\s+(?:just\s+|already\s+|finally\s+)?((?:[a-z]*[^e\s]ed|paid|bought|sent|made|wrote|took|went\s+to|met|did|ran|got|read|fed|built|fixed|dropped\s+off|picked\s+up)\s+.+)$`)
	reIsDone     = re(`^(.+?)\s+(?:is|are|was|has\s+been|have\s+been)\s+(?:now\s+|already\s+)?` + doneWord + `$`)
	reDelete     = re(`^(?:delete|remove|drop|erase|trash|discard|cancel|scrap|ditch|kill|get\s+rid\s+of|forget(?:\s+about)?|throw\s+away|clear(?:\s+out)?|wipe(?:\s+out)?|purge|empty)\s+(.+)$`)
	reDeleteVerb = re(`^(?:delete|remove|erase|trash|clear|wipe|purge|get\s+rid\s+of)\s`)
	reWhenIs     = re(`^(?:when\s+is|when'?s|when\s+(?:do|did|should|must)\s+i(?:\s+have(?:\s+to)?|\s+need\s+to)?|where\s+is|where'?s|what\s+time\s+is)\s+(?:my\s+|the\s+|a\s+|an\s+)?(.+?)(?:\s+(?:due|scheduled|set|planned|task))?$`)
	reAMPM       = re(`\d\s*(?:am|pm|a\.m|p\.m)|morning|noon|evening|night|tonight`)
	reEvening    = re(`\b(?:dinner|supper|drinks|party|date\s+night|concert|movie|cinema|theat(?:er|re)|bar|pub|gig|show)\b`)
	reAtSign     = re(`\s*@\s*(\d)`)
	reSameTime   = re(`(?:^|\s)(?:at\s+)?(?:the\s+)?same\s+time(?:\s+as\s+(?:before|now))?(?:\s|$)`)
	reRemindWhat = re(`^remind\s+me\s+(?:what|of\s+my|about\s+my\s+` + taskNoun + `|what'?s)`)
	reListLead   = re(`^(?:show|list|display|view|see|get|give|tell|print|read|what|what's|whats|what're|which|do\s+i\s+have|have\s+i|how\s+many|any|anything|is\s+there|are\s+there|find|search|look\s+up|lookup|check|my|all|pending|completed|overdue|open|upcoming|remaining|where|let\s+me\s+see|i\s+want\s+to\s+see|can\s+i\s+see)\b`)
	reListOnly   = re(`^(?:(?:my|all|all\s+my|the|pending|open|completed|finished|done|overdue|upcoming|today'?s|high[\s-]priority|urgent)\s+)*` + taskNoun + `(?:\s+list)?$`)
	// The add phrasing is read in two parts (see addPhrase): the verb and
	// articles, then the optional rest.
	reAddVerb  = re(`^(?:add|create|make|new|put|jot\s+down|write\s+down|note\s+down|log|record|schedule|set\s+up|set)\b\s*(?:(?:a|an|the|one|another|new|my)\s+)*`)
	reAddRest  = re(`^((?:(?:` + prioWord + `)[\s-]+priority|urgent|important|critical)\s+)?(?:(?:new\s+)?` + taskNoun + `\b)?\s*(?:(?:with\s+)?(` + prioWord + `)[\s-]+priority\s+)?(?:to\s+(?:my\s+)?(?:list|` + taskNoun + `)\s*)?(?:to|for|called|named|titled|that\s+says|saying|about|:|-)?\s*`)
	reNeedLead = re(`^(?:i\s+)?(?:(?:need|have|got|want|must|should|gotta|ought)\s+(?:to\s+)?)?(?:remember|not\s+forget)\s+to\s+|` +
		`^(?:remind\s+me|set\s+(?:a|up\s+a)\s+reminder|reminder)\s*(?:(?:to|about|that\s+i\s+(?:need|have)\s+to)\b|:|-)?\s*|` +
		`^(?:don'?t|do\s+not)\s+(?:let\s+me\s+)?forget\s+(?:to\s+|about\s+)?|` +
		`^(?:to-?dos?|tasks?|new\s+tasks?|reminders?)\s*[:\-]\s*|` +
		`^i\s+(?:need|have|must|should|gotta|got|ought|want|plan|intend|wanna)\s+(?:to\s*:\s*|to\s+)?|` +
		`^(?:need|have|got|gotta|must)\s+to\s+`)
	reBareAdd      = re(`^(?:add|create|new|make)(?:\s+(?:a|an|new|another))*(?:\s+` + taskNoun + `)?$`)
	reTrailingList = re(`\s+(?:to|on|in)\s+(?:my|the)\s+(?:[\p{L}-]+\s+)?(?:list|` + taskNoun + `)$`)
	reAtLabel      = re(`(?:^|\s)@(\p{L}[\p{L}\p{N}_-]*)(?:\s|$)`)
	reHashTag      = re(`(?:^|\s)#([\p{L}\p{N}_][\p{L}\p{N}_-]*)`)
	reTaggedWith   = re(`\s+(?:tagged(?:\s+(?:with|as))?|with\s+(?:the\s+)?(?:tags?|labels?)|labell?ed)\s+((?:#?[\p{L}\p{N}_-]+(?:\s*,\s*|\s+and\s+|\s+)?)+)$`)
	rePrioPhrase   = re(`(?:^|\s)(?:(?:with|at|as|of)\s+)?(?:an?\s+)?(?:(` + prioWord + `)[\s-]+priority|priority\s*(?:of\s+|:\s*|=\s*|is\s+)?(` + prioWord + `))\b`)
	rePrioBang     = re(`(?:^|\s)\(?!(` + prioWord + `)\)?(?:\s|$)`)
	reDescPhrase   = re(`\s*(?:[,;]\s*)?(?:\bwith\s+(?:the\s+|a\s+)?(?:description|note|notes|details)\b|\b(?:description|desc|note|notes|details)\s*:)\s*[:\-]?\s*(.+)$`)
	reConnector    = re(`(?:^|\s)(?:by|on|at|due|before|until|till|til|for|from|starting|this|next|in|around|,|-|and)\s*$`)
	reDueWord      = re(`^\s*(?:due|deadline)\s*(?:by|on|at|for|is)?\s*`)

	// Tests on parts of a message (updates, due dates, list filters, references).
	reOpenWord        = re(`^` + openWord + `$`)
	reDoneWord        = re(`^` + doneWord + `$`)
	reNoDue           = re(`^(?:no\s+(?:due\s+)?date|never|no\s+deadline|nothing|none|someday|whenever)$`)
	reDateFiller      = re(`^(?:(?:by|on|at|for|this|the|of|due|before|until|,)\s*)+$`)
	reTrailingDue     = re(`\s+(?:due|deadline)$`)
	reFilterOverdue   = re(`\b(?:overdue|late|past\s+due|missed|behind)\b`)
	reFilterDone      = re(`\b(?:completed?|done|finished|closed|accomplished|did\s+i\s+(?:do|finish|complete))\b`)
	reFilterNotDone   = re(`\bnot\s+(?:done|completed?|finished)\b|\b(?:to|left\s+to)\s+(?:be\s+)?(?:done|complete)\b`)
	reFilterPending   = re(`\b(?:pending|open|incomplete|unfinished|remaining|left|outstanding|active|not\s+(?:done|completed?|finished)|to\s+do|to\s+be\s+done|todo|upcoming|still)\b`)
	reFilterAll       = re(`\ball\b|\bevery(?:thing)?\b`)
	reFilterToday     = re(`\b(?:today|tonight|this\s+evening|this\s+afternoon|this\s+morning)\b|\btoday'?s\b`)
	reFilterDayAfter  = re(`\bday\s+after\s+tomorrow\b`)
	reFilterTomorrow  = re(`\btomorrow'?s?\b`)
	reFilterNextWeek  = re(`\bnext\s+week\b`)
	reFilterThisWeek  = re(`\b(?:this\s+week|the\s+week|this\s+weeks?|week)\b`)
	reFilterThisMonth = re(`\bthis\s+month\b`)
	reFilterSoon      = re(`\b(?:soon|coming\s+up|upcoming|next\s+few\s+days)\b`)
	reFilterDueBy     = re(`\bdue\s+(?:by|before|until|on)?\s*(.+)$`)
	reFilterPrio      = re(`\b(` + prioWord + `)[\s-]+priority\b|\bpriority\s+(` + prioWord + `)\b|\b(urgent|important|critical)\b`)
	reFilterTag       = re(`\b(?:tagged(?:\s+(?:with|as))?|with\s+(?:the\s+)?(?:tag|label)|labell?ed)\s+#?([\p{L}\p{N}_-]+)`)
	reFilterAbout     = re(`\b(?:about|containing|contain|matching|match|mentioning|mention|with\s+(?:the\s+)?words?|called|named|titled|related\s+to|regarding|for)\s+(.+)$`)
	reFilterSearch    = re(`^(?:search|find|look\s+up|lookup)\s+(?:for\s+)?(?:(?:my\s+)?` + taskNoun + `\s+(?:with|about|for)\s+)?(.+)$`)
	reFilterNoQuery   = re(`^(?:(?:my|all|the)\s+)*` + taskNoun + `$|^(?:today|tomorrow|this\s+week|next\s+week)$`)
	reRefNothing      = re(`^` + taskNoun + `$|^(?:one|something|anything|thing)$`)

	// References to one task.
	reRefID         = re(`^(?:task|item|to-?do|number|no\.?|num|#|id)\s*(?:number\s*|no\.?\s*|#\s*)?(\d+)$`)
	reRefNum        = re(`^#?\s*(\d+)$`)
	reRefOrdinal    = re(`^(?:the\s+)?(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th|seventh|7th|eighth|8th|ninth|9th|tenth|10th|last|final|top|bottom|latest|previous)(?:\s+(?:one|task|item|to-?do|entry))?(?:\s+(?:on|in|from)\s+(?:the|my|that)\s+(?:list|tasks))?$`)
	reRefOrdinal2   = re(`^(?:task|item|number)\s+(one|two|three|four|five|six|seven|eight|nine|ten)$`)
	reRefPronoun    = re(`^(?:it|that|this|that\s+one|this\s+one|the\s+same\s+one|the\s+one\s+i\s+just\s+(?:added|created|made)|the\s+(?:last|latest)\s+(?:task\s+)?i\s+(?:added|created|made))$`)
	reRefCalled     = re(`^(?:the\s+)?` + taskNoun + `\s+(?:called|named|titled|about|for|to|that\s+says|saying)\s+(.+)$`)
	reRefFillerHead = re(`^(?:(?:the|my|a|an|that|this|our)\s+|` + taskNoun + `\s+)`)
	reRefClause     = re(`\s*[,;–—-]\s*(?:i|i'?ve|i'?m|i\s+have|we|we'?ve|since|because|cause|cos|as|it'?s|already|that'?s|they|not\s+needed|no\s+longer)\b`)
	reRefFromList   = re(`\s+(?:from|off|on|in)\s+(?:my|the)\s+(?:[\p{L}-]+\s+)?(?:list|tasks|to-?dos?|to-?do\s+list)$`)
	reTakeOff       = re(`^(?:take|cross|strike)\s+(.+?)\s+off(?:\s+(?:my|the)\s+(?:[\p{L}-]+\s+)?(?:list|to-?dos?|to-?do\s+list))?$`)
	reRefFillerTail = re(`\s+(?:` + taskNoun + `|one)$`)
)

var ordinalWords = map[string]int{
	"first": 1, "1st": 1, "top": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
	"fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "7th": 7, "eighth": 8, "8th": 8,
	"ninth": 9, "9th": 9, "tenth": 10, "10th": 10, "last": -1, "final": -1, "bottom": -1,
	"latest": -1, "previous": -1,
}

var numberWords = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}

// Parse reads one user message said at now by a user in loc (UTC when nil).
func (p *Parser) Parse(text string, now time.Time, loc *time.Location) Intent {
	if loc == nil {
		loc = time.UTC
	}
	s := normalize(text)
	if p.maxBytes > 0 && len(s) > p.maxBytes {
		return Intent{Kind: KindTooLong}
	}
	if !hasWordChar(s) {
		return Intent{Kind: KindEmpty}
	}
	// Greetings alone; a greeting in front of a request is dropped below.
	if reGreeting.MatchString(s) {
		return Intent{Kind: KindGreeting}
	}
	if lang, ok := foreignLanguage(s); ok {
		return Intent{Kind: KindForeign, Lang: lang}
	}
	// A list pasted in, one task a line.
	if in, ok := p.parseLines(text, now, loc); ok {
		return in
	}
	s = stripSmallTalk(stripOpeners(s))
	s = stripOpeners(s)
	if !hasWordChar(s) {
		return Intent{Kind: KindGreeting}
	}
	if in, ok := parseTerse(s); ok {
		return in
	}
	s = stripSignOffs(s)
	bangs := bangPriority(s)
	if in, ok := parseTerse(s); ok {
		return in
	}
	s = stripPoliteness(s)
	if !hasWordChar(s) {
		return Intent{Kind: KindThanks}
	}
	switch {
	case reThanks.MatchString(s):
		return Intent{Kind: KindThanks}
	case reUndo.MatchString(s), reUndoNatural.MatchString(s), reUndoInterjection.MatchString(s):
		return Intent{Kind: KindUndo}
	case reHelp.MatchString(s):
		return Intent{Kind: KindHelp}
	}
	in := p.parseRequest(s, bangs, now, loc)
	if in.Kind == KindUnknown {
		// "addd milk", "delte task 2": a typo in the command word.
		if fixed, ok := fixCommandWord(s); ok {
			if again := p.parseRequest(fixed, bangs, now, loc); again.Kind != KindUnknown {
				return again
			}
		}
	}
	return in
}

// parseRequest reads a request stripped of greetings and politeness; bangs
// is the priority said with exclamation marks ("!!").
func (p *Parser) parseRequest(s, bangs string, now time.Time, loc *time.Location) Intent {
	s = fixDateWords(fixGerund(reAtSign.ReplaceAllString(s, " at $1")))
	// "tomorrow I need to call the bank": the day goes after the request.
	if dm, ok := p.dates.find(s[:min(len(s), 40)], now, loc); ok && dm.Start == 0 && dm.End < len(s) {
		rest := strings.TrimLeft(s[dm.End:], " ,")
		if _, _, ok := addLead(rest); ok {
			s = rest + " " + s[:dm.End]
		} else if strings.HasPrefix(rest, ":") && hasWordChar(rest) {
			// "tomorrow: call mom, buy milk"
			s = "add " + strings.TrimSpace(rest[1:]) + " " + s[:dm.End]
		}
	}
	if in, ok := p.parseRepeat(s, now, loc); ok { // recurrence.go
		return in
	}
	if m := reIDRange.FindStringSubmatch(s); m != nil {
		if in, ok := idRange(m); ok {
			return in
		}
	}
	// "I no longer need to pay bills", "scratch the groceries".
	for _, r := range []*pattern{reNoLongerNeed, reNotDoing, reScratch, reTakeOff, reNotNeeded} {
		if m := r.FindStringSubmatch(s); m != nil {
			if ref := parseRef(m[1]); !ref.Empty() {
				return p.withFilter(Intent{Kind: KindDelete, Ref: ref}, now, loc)
			}
		}
	}
	if in, ok := p.parseUpdate(s, now, loc); ok {
		return p.withFilter(in, now, loc)
	}
	if m := reReopen.FindStringSubmatch(s); m != nil {
		return p.withFilter(Intent{Kind: KindReopen, Ref: parseRef(m[1])}, now, loc)
	}
	if m := reMarkOpen.FindStringSubmatch(s); m != nil {
		return p.withFilter(Intent{Kind: KindReopen, Ref: parseRef(m[1])}, now, loc)
	}
	// "delete whatever is finished": an explicit delete verb first.
	if m := reDelete.FindStringSubmatch(s); m != nil && reDeleteVerb.MatchString(s) {
		return p.withFilter(Intent{Kind: KindDelete, Ref: parseRef(m[1])}, now, loc)
	}
	if in, ok := parseComplete(s); ok {
		return p.withFilter(in, now, loc)
	}
	if m := reDelete.FindStringSubmatch(s); m != nil {
		return p.withFilter(Intent{Kind: KindDelete, Ref: parseRef(m[1])}, now, loc)
	}
	if reRemindWhat.MatchString(s) || reListOnly.MatchString(s) {
		return Intent{Kind: KindList, Filter: p.parseFilter(s, now, loc)}
	}
	if rest, prio, ok := addLead(s); ok {
		return p.addRequest(rest, prio, bangs, now, loc)
	}
	// "two things: book flights, pack bags"; "urgent: fix the tap".
	if m := reCountLead.FindStringSubmatchIndex(s); m != nil && m[1] < len(s) && strings.ContainsAny(s[:m[1]], ":-—") {
		return p.addRequest(s, "", bangs, now, loc)
	}
	if reAddByPrio.MatchString(s) {
		return p.addRequest(s, "", bangs, now, loc)
	}
	// "I paid the bills": a completion only if a task title matches.
	if m := reIDidPast.FindStringSubmatch(s); m != nil {
		if ref := parseRef(m[1]); ref.Title != "" {
			return Intent{Kind: KindComplete, Ref: ref, Tentative: true}
		}
	}

	if reBareAdd.MatchString(s) {
		return Intent{Kind: KindAdd}
	}
	// "when is my dentist appointment?": the tasks matching the words.
	if m := reWhenIs.FindStringSubmatch(s); m != nil {
		q := strings.TrimSpace(strings.Trim(m[1], "?!. "))
		if first, _, _ := strings.Cut(strings.ToLower(q), " "); q != "" && !reFilterNoQuery.MatchString(q) &&
			!reRefPronoun.MatchString(first) && first != "there" && first != "they" {
			f := p.parseFilter(s, now, loc)
			if f.Query == "" && f.Window == "" && f.Tag == "" {
				return Intent{Kind: KindList, Filter: Filter{Match: q}}
			}
			return Intent{Kind: KindList, Filter: f}
		}
	}
	if topic := offTopic(s); topic != "" {
		return Intent{Kind: KindOffTopic, Topic: topic}
	}
	if reListLead.MatchString(s) {
		return Intent{Kind: KindList, Filter: p.parseFilter(s, now, loc)}
	}
	if in, ok := p.parseRecurringAdd(s, now, loc); ok { // recurrence.go
		return in
	}
	// Not understood. If it reads like a to-do with a date or a priority
	// ("buy milk tomorrow", "call the bank asap"), offer to add it.
	in := Intent{Kind: KindUnknown}
	bare, prio := takePriority(strings.TrimRight(s, "! "))
	if prio == "" {
		prio = bangs
	}
	if _, ok := p.dates.find(s, now, loc); ok || prio != "" && reTaskVerb.MatchString(strings.ToLower(bare)) {
		add := p.parseAdd(s, "", now, loc)
		if add.Fields.Title != nil {
			in.Suggestion = *add.Fields.Title
		}
	}
	return in
}

// typographic straightens quotes and turns no-break spaces into spaces.
var typographic = strings.NewReplacer("\u2018", "'", "\u2019", "'", "\u201c", `"`, "\u201d", `"`, "\u00a0", " ")

// normalize collapses whitespace and straightens typographic quotes.
func normalize(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf { // every character typographic replaces is outside ASCII
			s = typographic.Replace(s)
			break
		}
	}
	return strings.TrimSpace(collapseSpaces(s))
}

// isRESpace reports whether c is in the regexp class \s.
func isRESpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

// collapseSpaces replaces each run of \s characters by one space, like
// regexp `\s+` replaced by " ", without copying a text that has none to
// replace.
func collapseSpaces(s string) string {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; isRESpace(c) && (c != ' ' || i+1 < len(s) && isRESpace(s[i+1])) {
			break
		}
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, i, len(s))
	copy(b, s[:i])
	for ; i < len(s); i++ {
		if !isRESpace(s[i]) {
			b = append(b, s[i])
			continue
		}
		b = append(b, ' ')
		for i+1 < len(s) && isRESpace(s[i+1]) {
			i++
		}
	}
	return string(b)
}

func hasWordChar(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// stripPoliteness removes "please", "can you", "hey," … at the start and
// "please", "thanks", "?" … at the end, repeatedly.
//
// Each word is stripped through a window at its end of the text (see
// stripHead): a message of nothing but "please please …" costs linear time.
func stripPoliteness(s string) string {
	s = strings.TrimSpace(s)
	for {
		changed := false
		for {
			t, ok := stripHead(s, rePrefix)
			if !ok {
				break
			}
			// What the pattern's trailing [\s,!.:-]* would take beyond the window.
			s, changed = strings.TrimLeft(t, " ,!.:-"), true
		}
		for {
			t, ok := stripTail(s, reSuffix)
			if !ok {
				break
			}
			s, changed = strings.TrimRight(t, " ,"), true
		}
		if !changed {
			return s
		}
	}
}

func parseComplete(s string) (Intent, bool) {
	for _, r := range []*pattern{reMarkDone, reIsDone, reIDone, reCompleteVb} {
		if m := r.FindStringSubmatch(s); m != nil {
			ref := parseRef(m[1])
			if ref.Empty() {
				continue
			}
			return Intent{Kind: KindComplete, Ref: ref}, true
		}
	}
	return Intent{}, false
}

// parseUpdate recognises changes to one task's fields.
func (p *Parser) parseUpdate(s string, now time.Time, loc *time.Location) (Intent, bool) {
	upd := func(ref string, f Fields) (Intent, bool) {
		return Intent{Kind: KindUpdate, Ref: parseRef(ref), Fields: f}, true
	}
	for _, r := range []*pattern{reRename, reTitleOf, reTitleOf2} {
		if m := r.FindStringSubmatch(s); m != nil {
			title := cleanTitle(unquote(m[2]))
			if title == "" {
				continue
			}
			return upd(m[1], Fields{Title: &title})
		}
	}
	if m := reClearDue.FindStringSubmatch(s); m != nil {
		return upd(m[1], Fields{ClearDue: true})
	}
	if m := rePrioOf.FindStringSubmatch(s); m != nil {
		return upd(m[1], Fields{Priority: priorityOf(m[2])})
	}
	for _, r := range []*pattern{rePrioSet, rePrioSet2} {
		if m := r.FindStringSubmatch(s); m != nil {
			if prio := priorityOf(m[2]); prio != "" {
				return upd(m[1], Fields{Priority: prio})
			}
		}
	}
	if m := rePrioritize.FindStringSubmatch(s); m != nil {
		prio := PriorityHigh
		if strings.HasPrefix(strings.ToLower(m[1]), "de") {
			prio = PriorityLow
		}
		return upd(m[2], Fields{Priority: prio})
	}
	// "push task 2 back a day", "postpone the meeting by 2 hours".
	if m := reShift.FindStringSubmatch(s); m != nil {
		n := numberWords[strings.ToLower(m[2])]
		if n == 0 {
			n = atoi(m[2])
		}
		if m[2] == "a" || m[2] == "an" {
			n = 1
		}
		if n > 0 {
			f := Fields{}
			switch unit := strings.ToLower(m[3]); {
			case strings.HasPrefix(unit, "min"):
				f.ShiftMinutes = n
			case strings.HasPrefix(unit, "h"):
				f.ShiftMinutes = 60 * n
			case strings.HasPrefix(unit, "w"):
				f.ShiftDays = 7 * n
			default:
				f.ShiftDays = n
			}
			if strings.Contains(strings.ToLower(m[0]), "earlier") || strings.Contains(strings.ToLower(m[0]), "forward") ||
				strings.HasPrefix(strings.ToLower(m[0]), "bring") {
				f.ShiftDays, f.ShiftMinutes = -f.ShiftDays, -f.ShiftMinutes
			}
			return upd(m[1], f)
		}
	}
	for _, r := range []*pattern{reDueOf, reMove, reMakeDue} {
		if m := r.FindStringSubmatch(s); m != nil {
			return upd(m[1], p.dueFields(m[2], now, loc))
		}
	}
	if m := reIsDue.FindStringSubmatch(s); m != nil {
		if d, ok := p.wholeDate(m[2], now, loc); ok {
			return upd(m[1], d)
		}
	}
	if m := reTagWith.FindStringSubmatch(s); m != nil {
		return upd(m[1], Fields{Tags: splitTags(m[2])})
	}
	for _, r := range []*pattern{reAddTag, reAddHashTag} {
		if m := r.FindStringSubmatch(s); m != nil {
			return upd(m[2], Fields{Tags: splitTags(m[1])})
		}
	}
	for _, r := range []*pattern{reDescOf, reDescribe} {
		if m := r.FindStringSubmatch(s); m != nil {
			desc := strings.TrimSpace(unquote(m[2]))
			return upd(m[1], Fields{Description: &desc})
		}
	}
	if m := reChangeTo.FindStringSubmatch(s); m != nil {
		ref := parseRef(m[1])
		if ref.Empty() {
			return Intent{}, false
		}
		target := strings.TrimSpace(m[2])
		if prio := priorityOf(strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(strings.ToLower(target), "priority")), "-")); prio != "" {
			return Intent{Kind: KindUpdate, Ref: ref, Fields: Fields{Priority: prio}}, true
		}
		if isQuoted(target) {
			title := cleanTitle(unquote(target))
			return Intent{Kind: KindUpdate, Ref: ref, Fields: Fields{Title: &title}}, true
		}
		if d, ok := p.wholeDate(target, now, loc); ok {
			return Intent{Kind: KindUpdate, Ref: ref, Fields: d}, true
		}
		lt := strings.ToLower(target)
		if openRe := reOpenWord; openRe.MatchString(lt) {
			return Intent{Kind: KindReopen, Ref: ref}, true
		}
		if doneRe := reDoneWord; doneRe.MatchString(lt) {
			return Intent{Kind: KindComplete, Ref: ref}, true
		}
		title := cleanTitle(target)
		return Intent{Kind: KindUpdate, Ref: ref, Fields: Fields{Title: &title}}, true
	}
	return Intent{}, false
}

// dueFields reads a due date that is the whole of s ("next Monday").
func (p *Parser) dueFields(s string, now time.Time, loc *time.Location) Fields {
	// "to the same time on friday": the time is kept anyway.
	s = strings.TrimSpace(reSameTime.ReplaceAllString(s, " "))
	if d, ok := p.wholeDate(s, now, loc); ok {
		return d
	}
	if reNoDue.MatchString(strings.TrimSpace(s)) {
		return Fields{ClearDue: true}
	}
	return Fields{BadDueText: strings.TrimSpace(s)}
}

// wholeDate accepts s when it is a date expression with at most a few
// connecting words around it.
func (p *Parser) wholeDate(s string, now time.Time, loc *time.Location) (Fields, bool) {
	s = strings.TrimSpace(reDueWord.ReplaceAllString(s, ""))
	dm, ok := p.dates.find(s, now, loc)
	if !ok {
		return Fields{}, false
	}
	rest := strings.TrimSpace(s[:dm.Start] + " " + s[dm.End:])
	rest = reDateFiller.ReplaceAllString(rest, "")
	if rest != "" {
		return Fields{}, false
	}
	at := dm.At
	return Fields{Due: &at, DueHasTime: dm.HasTime, DueClockOnly: dm.ClockOnly}, true
}

// addLead recognises the phrasing of an add request and returns the rest.
func addLead(s string) (rest, prio string, ok bool) {
	if m := reNeedLead.FindStringSubmatchIndex(s); m != nil {
		rest = s[m[1]:]
		// "I need to remember to pay bills": the lead can repeat.
		if m2 := reNeedLead.FindStringSubmatchIndex(rest); m2 != nil {
			rest = rest[m2[1]:]
		}
		if end, _, _, ok := addPhrase(rest); ok && strings.HasPrefix(strings.ToLower(rest), "add") {
			rest = rest[end:]
		}
		return strings.TrimSpace(rest), "", strings.TrimSpace(rest) != ""
	}
	if end, prioPhrase, prioWord, ok := addPhrase(s); ok {
		rest = strings.TrimSpace(s[end:])
		if rest == "" {
			return "", "", false
		}
		switch {
		case prioWord != "":
			prio = priorityOf(prioWord)
		case prioPhrase != "":
			prio = priorityOf(strings.Fields(strings.ReplaceAll(prioPhrase, "-", " "))[0])
		}
		// "add milk to my list"
		rest = strings.TrimSpace(reTrailingList.ReplaceAllString(rest, ""))
		return rest, prio, rest != ""
	}
	return "", "", false
}

// addPhrase matches the phrasing of an add request at the start of s
// ("add a high priority task to"): end is where it ends, prioPhrase the
// "high priority " said before the task noun, prioWord the "high" of a
// "with high priority" after it.
//
// It is one pattern, verb·rest, run as two: every element of the rest is
// optional and nothing is anchored after it, so the leftmost-first match of
// the whole is the verb's match followed by the rest's match where the verb
// ends. As one program the pattern was too large for the backtracking
// engine and ran on the slower NFA; FuzzAddPhrase compares the two.
func addPhrase(s string) (end int, prioPhrase, prioWord string, ok bool) {
	v := reAddVerb.FindStringSubmatchIndex(s)
	if v == nil {
		return 0, "", "", false
	}
	end = v[1]
	m := reAddRest.FindStringSubmatchIndex(s[end:])
	if m == nil { // cannot happen: the rest matches the empty string
		return end, "", "", true
	}
	if m[2] >= 0 {
		prioPhrase = s[end+m[2] : end+m[3]]
	}
	if m[4] >= 0 {
		prioWord = s[end+m[4] : end+m[5]]
	}
	return end + m[1], prioPhrase, prioWord, true
}

// parseAdd reads the title, due date, priority, tags and description from
// the text after the add phrasing.
func (p *Parser) parseAdd(rest, prio string, now time.Time, loc *time.Location) Intent {
	f := Fields{Priority: prio}
	s := rest
	s, f.Repeat = cutRepeat(s) // recurrence.go
	if m := reDescPhrase.FindStringSubmatchIndex(s); m != nil {
		desc := strings.TrimSpace(unquote(s[m[2]:m[3]]))
		f.Description = &desc
		s = s[:m[0]]
	}
	if m := reTaggedWith.FindStringSubmatchIndex(s); m != nil {
		f.Tags = append(f.Tags, splitTags(s[m[2]:m[3]])...)
		s = s[:m[0]]
	}
	for _, m := range reHashTag.FindAllStringSubmatch(s, -1) {
		f.Tags = appendTag(f.Tags, m[1])
	}
	s = reHashTag.ReplaceAllString(s, "")
	// Todoist's labels: "@work" is a tag too.
	for _, m := range reAtLabel.FindAllStringSubmatch(s, MaxItems) {
		f.Tags = appendTag(f.Tags, m[1])
	}
	s = reAtLabel.ReplaceAllString(s, " ")
	if !isQuoted(strings.TrimSpace(s)) {
		if t, pr := takePriority(strings.TrimSpace(s)); pr != "" {
			s, f.Priority = t, pr
		}
	}
	if isQuoted(strings.TrimSpace(s)) {
		// A quoted title is taken as said; only what follows the quotes is read.
		if title := cleanTitle(unquote(strings.TrimSpace(s))); title != "" {
			f.Title = &title
		}
		return Intent{Kind: KindAdd, Fields: f}
	}
	if m := rePrioPhrase.FindStringSubmatchIndex(s); m != nil {
		word := ""
		if m[2] >= 0 {
			word = s[m[2]:m[3]]
		} else if m[4] >= 0 {
			word = s[m[4]:m[5]]
		}
		if pr := priorityOf(word); pr != "" {
			f.Priority = pr
			s = s[:m[0]] + " " + s[m[1]:]
		}
	}
	if m := rePrioBang.FindStringSubmatchIndex(s); m != nil {
		if pr := priorityOf(s[m[2]:m[3]]); pr != "" {
			f.Priority = pr
			s = s[:m[0]] + " " + s[m[1]:]
		}
	}
	s = normalize(s)
	if dm, ok := p.dates.find(s, now, loc); ok {
		before := reConnector.ReplaceAllString(strings.TrimSpace(s[:dm.Start]), "")
		before = reConnector.ReplaceAllString(strings.TrimSpace(before), "")
		after := strings.TrimSpace(s[dm.End:])
		if strings.TrimSpace(before) == "" && len(after) > 3 && strings.EqualFold(after[:3], "to ") {
			after = after[3:] // "remind me today at 8am to take pills"
		}
		said := s[dm.Start:dm.End]
		s = strings.TrimSpace(before) + " " + after
		at := dm.At
		// "dinner on saturday at 8": an evening thing at a bare hour is p.m.
		if h := at.In(loc).Hour(); dm.HasTime && h >= 6 && h <= 11 && !reAMPM.MatchString(said) && reEvening.MatchString(s) {
			at = at.Add(12 * time.Hour)
			if dm.ClockOnly && at.Add(-24*time.Hour).After(now) {
				at = at.Add(-24 * time.Hour) // rolled to tomorrow for the morning hour; tonight is still ahead
			}
		}
		f.Due, f.DueHasTime = &at, dm.HasTime
	}
	s = reTrailingDue.ReplaceAllString(strings.TrimSpace(s), "")
	// "put 'fix bike' on the list for the weekend": the list and quotes
	// once the date is out.
	if t := strings.TrimSpace(reTrailingList.ReplaceAllString(s, "")); t != "" {
		s = t
	}
	if isQuoted(s) {
		s = unquote(s)
	}
	title := cleanTitle(s)
	if title != "" {
		f.Title = &title
	}
	return Intent{Kind: KindAdd, Fields: f}
}

// parseFilter reads list filters from anywhere in s.
func (p *Parser) parseFilter(s string, now time.Time, loc *time.Location) Filter {
	l := strings.ToLower(s)
	var f Filter
	has := func(p *pattern) bool { return p.MatchString(l) }
	switch {
	case has(reFilterOverdue):
		f.Overdue, f.Status, f.Window = true, StatusPending, "overdue"
	case has(reFilterDone) && !has(reFilterNotDone):
		f.Status = StatusCompleted
	case has(reFilterPending):
		f.Status = StatusPending
	case has(reFilterAll):
		f.Status = StatusAll
	}
	start := startOfDay(now.In(loc))
	window := func(label string, from, to time.Time) {
		a, b := from.UTC(), to.UTC()
		f.DueAfter, f.DueBefore, f.Window = &a, &b, label
		if f.Status == "" {
			f.Status = StatusPending
		}
	}
	if !f.Overdue {
		switch {
		case has(reFilterToday):
			window("today", start, start.AddDate(0, 0, 1))
		case has(reFilterDayAfter):
			window("the day after tomorrow", start.AddDate(0, 0, 2), start.AddDate(0, 0, 3))
		case has(reFilterTomorrow):
			window("tomorrow", start.AddDate(0, 0, 1), start.AddDate(0, 0, 2))
		case has(reFilterNextWeek):
			mon := startOfWeek(start).AddDate(0, 0, 7)
			window("next week", mon, mon.AddDate(0, 0, 7))
		case has(reFilterThisWeek):
			window("this week", start, startOfWeek(start).AddDate(0, 0, 7))
		case has(reFilterThisMonth):
			window("this month", start, time.Date(start.Year(), start.Month()+1, 1, 0, 0, 0, 0, loc))
		case has(reFilterSoon):
			window("in the next 7 days", start, start.AddDate(0, 0, 7))
		default:
			if m := reFilterDueBy.FindStringSubmatch(s); m != nil {
				if dm, ok := p.dates.find(m[1], now, loc); ok {
					end := startOfDay(dm.At.In(loc)).AddDate(0, 0, 1)
					b := end.UTC()
					f.DueBefore = &b
					f.Window = "due by " + dm.At.In(loc).Format("Mon Jan 2")
					if f.Status == "" {
						f.Status = StatusPending
					}
				}
			}
		}
	}
	if m := reFilterPrio.FindStringSubmatch(l); m != nil {
		f.Priority = priorityOf(m[1] + m[2] + m[3])
		if f.Status == "" {
			f.Status = StatusPending
		}
	}
	if m := reHashTag.FindStringSubmatch(s); m != nil {
		f.Tag = strings.ToLower(m[1])
	} else if m := reFilterTag.FindStringSubmatch(s); m != nil {
		f.Tag = strings.ToLower(m[1])
	}
	if m := reFilterAbout.FindStringSubmatch(s); m != nil && f.Tag == "" {
		f.Query = strings.Trim(unquote(strings.TrimSpace(m[1])), " .?!")
	} else if m := reFilterSearch.FindStringSubmatch(s); m != nil && !reListOnly.MatchString(m[1]) {
		f.Query = strings.Trim(unquote(strings.TrimSpace(m[1])), " .?!")
	}
	// "about the dentist": the article is not in the title.
	for _, a := range []string{"the ", "my ", "a ", "an "} {
		if len(f.Query) > len(a) && strings.EqualFold(f.Query[:len(a)], a) {
			f.Query = f.Query[len(a):]
		}
	}
	if f.Query != "" && reFilterNoQuery.MatchString(f.Query) {
		f.Query = ""
	}
	return f
}

// startOfWeek is the Monday starting t's week.
func startOfWeek(t time.Time) time.Time {
	d := startOfDay(t)
	offset := (int(d.Weekday()) + 6) % 7
	return d.AddDate(0, 0, -offset)
}

// parseRef reads how the user named one task.
func parseRef(s string) Ref {
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), ".,!?:;"))
	l := strings.ToLower(s)
	if r := parseOne(l); r.ID != 0 || r.Ordinal != 0 {
		return r
	} else if r.Title != "" {
		return Ref{Title: s} // a number no task can have: matched (and not found) as words
	}
	if reRefPronoun.MatchString(l) {
		return Ref{Pronoun: true}
	}
	if r, ok := parseMany(s, l); ok {
		return r
	}
	if m := reRefCalled.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	// "forget the groceries, I already have everything"
	if m := reRefClause.FindStringSubmatchIndex(s); m != nil && m[0] > 0 {
		s = strings.TrimSpace(s[:m[0]])
	}
	// "remove pay bills from my list"
	if t, ok := stripTail(s, reRefFromList); ok && hasWordChar(t) {
		s = strings.TrimSpace(t)
	}
	s = unquote(s)
	for {
		t := s
		if u, ok := stripHead(t, reRefFillerHead); ok {
			t = strings.TrimSpace(u)
		}
		if u, ok := stripTail(t, reRefFillerTail); ok {
			t = strings.TrimSpace(u)
		}
		if t == s || t == "" {
			break
		}
		s = t
	}
	if !hasWordChar(s) || reRefNothing.MatchString(s) {
		return Ref{}
	}
	r := Ref{Title: s}
	if parts := reRefListSep.Split(s, MaxItems+1); len(parts) >= 2 && len(parts) <= MaxItems {
		for _, part := range parts {
			if t := parseRef(part); t.Title != "" && len(t.Titles) == 0 {
				r.Titles = append(r.Titles, t.Title)
			}
		}
		if len(r.Titles) != len(parts) {
			r.Titles = nil
		}
	}
	return r
}

// parseOne reads a task id or a position in the last list from l (lower
// case): Title is set to l for a number no task can have.
func parseOne(l string) Ref {
	for _, r := range []*pattern{reRefID, reRefNum} {
		if m := r.FindStringSubmatch(l); m != nil {
			if n, err := strconv.ParseInt(m[1], 10, 32); err == nil {
				return Ref{ID: int(n)}
			}
			return Ref{Title: l}
		}
	}
	if m := reRefOrdinal.FindStringSubmatch(l); m != nil {
		return Ref{Ordinal: ordinalWords[m[1]]}
	}
	if m := reRefOrdinal2.FindStringSubmatch(l); m != nil {
		return Ref{ID: numberWords[m[1]]}
	}
	return Ref{}
}

// priorityOf maps the user's word to a priority, "" when it is none of them.
func priorityOf(word string) string {
	switch strings.ToLower(strings.TrimSpace(word)) {
	case "none", "no":
		return PriorityNone
	case "low", "lowest":
		return PriorityLow
	case "medium", "normal", "mid", "moderate":
		return PriorityMedium
	case "high", "important":
		return PriorityHigh
	case "urgent", "highest", "top", "critical":
		return PriorityUrgent
	}
	return ""
}

func splitTags(s string) []string {
	var tags []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		if strings.EqualFold(f, "and") || strings.EqualFold(f, "tag") || strings.EqualFold(f, "tags") {
			continue
		}
		tags = appendTag(tags, f)
	}
	return tags
}

func appendTag(tags []string, t string) []string {
	t = strings.ToLower(strings.Trim(t, "#.,;:!? "))
	if t == "" {
		return tags
	}
	for _, x := range tags {
		if x == t {
			return tags
		}
	}
	return append(tags, t)
}

func isQuoted(s string) bool {
	if len(s) < 2 {
		return false
	}
	first, last := s[0], s[len(s)-1]
	return (first == '"' || first == '\'') && first == last
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if isQuoted(s) {
		return strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

// cleanTitle tidies a title: single spaces, no trailing punctuation or
// dangling connector, first letter upper case (the rest as typed).
func cleanTitle(s string) string {
	s = normalize(s)
	for {
		t := strings.TrimSpace(strings.TrimRight(s, " ,;:-"))
		if u, ok := stripTail(t, reConnector); ok {
			t = strings.TrimSpace(u)
		}
		t = strings.TrimSpace(strings.TrimSuffix(t, "."))
		if t == s {
			break
		}
		s = t
	}
	if s == "" {
		return ""
	}
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}
