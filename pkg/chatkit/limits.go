package chatkit

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Limits bound what one request may ask for. Every limit is off at 0.
// They are checked in Process, before any store write and before a stream
// starts, so a refused request gets a plain JSON error.
type Limits struct {
	// MaxMessageChars caps a user message's text (its text and tag parts
	// plus quoted text), in characters: 413 payload_too_large.
	MaxMessageChars int
	// MaxTitleChars caps a thread title set by threads.update: 422
	// validation_failed (like a task title).
	MaxTitleChars int
	// MaxFeedbackItems caps the item ids of one items.feedback: 413
	// payload_too_large.
	MaxFeedbackItems int
	// MaxThreadsPerUser is the most threads a user may hold; a
	// threads.create beyond it answers 422 quota_exceeded.
	MaxThreadsPerUser int
	// MaxItemsPerThread is the most items (messages, widgets, hidden
	// context) a thread may hold; a turn on a full thread answers 422
	// quota_exceeded. Checked before the turn, so the last turn may take
	// a thread a few items past it.
	MaxItemsPerThread int
}

// Admission decides whether a user may start a turn (a streaming request)
// now: a rate limit, a cap on concurrent streams. ratelimit.TurnGate
// implements it.
type Admission interface {
	// AdmitTurn returns a release func, called once when the turn's
	// stream ends, or an error (RateLimited: a 429 with RetryAfter;
	// any other error type needs Options.ClassifyError).
	// clientIP is RequestInfo.ClientIP ("" when unknown).
	AdmitTurn(ctx context.Context, userID, clientIP string) (release func(), err error)
}

// messageChars counts the characters of a user message's text.
func messageChars(in *UserMessageInput) int {
	n := utf8.RuneCountInString(in.QuotedText)
	for _, c := range in.Content {
		n += utf8.RuneCountInString(c.Text)
	}
	return n
}

// checkMessage caps a user message's characters (MaxMessageChars).
func (l Limits) checkMessage(in *UserMessageInput) error {
	if l.MaxMessageChars > 0 {
		if n := messageChars(in); n > l.MaxMessageChars {
			return errTooLarge("params.input.content", "a message may have at most %d characters, got %d", l.MaxMessageChars, n)
		}
	}
	return nil
}

// checkTitle caps a title set by threads.update (MaxTitleChars).
func (l Limits) checkTitle(title string) error {
	if l.MaxTitleChars > 0 && utf8.RuneCountInString(title) > l.MaxTitleChars {
		return errValidation(map[string]string{
			"params.title": fmt.Sprintf("must be at most %d characters", l.MaxTitleChars)})
	}
	return nil
}

// checkFeedback caps the ids of one items.feedback (MaxFeedbackItems).
func (l Limits) checkFeedback(ids []string) error {
	if l.MaxFeedbackItems > 0 && len(ids) > l.MaxFeedbackItems {
		return errTooLarge("params.item_ids", "at most %d item ids per request, got %d", l.MaxFeedbackItems, len(ids))
	}
	return nil
}

// checkItemQuota refuses a turn on a thread that holds MaxItemsPerThread.
func (s *Server) checkItemQuota(ctx context.Context, user, threadID string) error {
	if s.limits.MaxItemsPerThread <= 0 {
		return nil
	}
	n, err := s.store.CountItems(ctx, user, threadID)
	if err != nil {
		return notFound(err, "thread")
	}
	if n >= s.limits.MaxItemsPerThread {
		return Errorf(KindQuotaExceeded, "this conversation has reached its length limit (%d items); start a new one", s.limits.MaxItemsPerThread)
	}
	return nil
}

// feedbackErr maps SaveThreadFeedback's errors but a missing thread's: an
// id that is not an item of the thread is a 422.
func feedbackErr(err error) error {
	if errors.Is(err, ErrUnknownItem) || errors.Is(err, ErrNotFound) {
		return errValidation(map[string]string{"params.item_ids": "every id must be an item of this thread"})
	}
	if _, ok := AsError(err); ok {
		return err
	}
	return fmt.Errorf("save feedback: %w", err)
}
