package chatkit

import (
	"fmt"
	"runtime/debug"
)

// OnFreshStack runs fn on a short-lived goroutine and waits for it, for the
// calls of a turn that need a deep stack: a store read or write through
// SQLite, or openai-go encoding and sending a request, each take the stack
// to about 32 KiB. The Server runs a turn's prologue this way; Responders
// should do the same for such calls made before they wait on a model. Made on the turn's goroutine, they would leave it that large while
// it then waits on the model for seconds (the runtime halves an idle
// goroutine's stack at most once per GC), for every open stream. A panic in
// fn is raised again on the caller, with fn's stack in its message.
func OnFreshStack(fn func()) {
	var p *freshStackPanic
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				p = &freshStackPanic{value: r, stack: debug.Stack()}
			}
		}()
		fn()
	}()
	<-done
	if p != nil {
		panic(p)
	}
}

// freshStackPanic carries a panic from OnFreshStack's goroutine.
type freshStackPanic struct {
	value any
	stack []byte
}

func (p *freshStackPanic) Error() string { return fmt.Sprintf("%v\n%s", p.value, p.stack) }
