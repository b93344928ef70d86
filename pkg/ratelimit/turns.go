package ratelimit

import (
	"context"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
)

// StreamsRetryAfter is the Retry-After of a turn refused because the user
// already holds the most concurrent streams: a turn usually ends within
// seconds.
const StreamsRetryAfter = 5 * time.Second

// TurnGate admits chat turns per user: at most Streams concurrent streams
// in this process, and a token bucket of turns (shared through Redis when
// the Enforcer's limiter is). It implements chatkit.Admission.
type TurnGate struct {
	Turns   *Enforcer
	Streams *Concurrency
	// IPTurns, when set, also limits turns per client address: every new
	// identity (a session per request, bounded by the sessions-per-address
	// limit) brings a fresh per-user bucket, so only the address bounds what
	// one client spends.
	IPTurns *Enforcer
	// UserTokens, IPTokens and AllTokens are daily model-token budgets per
	// user, per client address and for the whole deployment: a turn is
	// refused once one is spent (nil: no budget). The assistant reports
	// what each model call spent through SpendTokens.
	UserTokens, IPTokens, AllTokens *Budget
}

// allKey is the one key of the deployment-wide budget.
const allKey = "all"

// AdmitTurn returns a release func to call when the turn's stream ends, or
// a 429 *apperr.Error with RetryAfter.
func (g *TurnGate) AdmitTurn(ctx context.Context, user, clientIP string) (func(), error) {
	release, ok := g.Streams.Acquire(user)
	if !ok {
		if g.Turns != nil {
			g.Turns.rejected.Inc()
		}
		e := apperr.RateLimited(StreamsRetryAfter)
		e.Message = "too many replies are being written for you at once; wait for one to finish"
		return nil, e
	}
	if g.Turns != nil {
		if err := g.Turns.Check(ctx, nil, user); err != nil {
			release()
			return nil, err
		}
	}
	if g.IPTurns != nil && clientIP != "" {
		if err := g.IPTurns.Check(ctx, nil, clientIP); err != nil {
			release()
			return nil, err
		}
	}
	for _, b := range []struct {
		budget *Budget
		key    string
	}{{g.UserTokens, user}, {g.IPTokens, clientIP}, {g.AllTokens, allKey}} {
		if err := b.budget.Check(ctx, b.key); err != nil {
			release()
			return nil, err
		}
	}
	return release, nil
}

// SpendTokens records n model tokens spent on a turn of user from
// clientIP against the budgets.
func (g *TurnGate) SpendTokens(ctx context.Context, user, clientIP string, n int64) {
	g.UserTokens.Spend(ctx, user, n)
	g.IPTokens.Spend(ctx, clientIP, n)
	g.AllTokens.Spend(ctx, allKey, n)
}
