package openaiagent

import (
	"fmt"
	"runtime/debug"
)

// onFreshStack runs fn on a short-lived goroutine and waits for it, for the
// calls of a turn that need a deep stack: a store read through SQLite, or
// openai-go encoding and sending a request, each take the stack to about
// 32 KiB. Made on the turn's goroutine, they would leave it that large while
// it then waits on the model for seconds (the runtime halves an idle
// goroutine's stack at most once per GC), for every open stream. A panic in
// fn is raised again on the caller, with fn's stack in its message.
func onFreshStack(fn func()) {
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

// freshStackPanic carries a panic from onFreshStack's goroutine.
type freshStackPanic struct {
	value any
	stack []byte
}

func (p *freshStackPanic) Error() string { return fmt.Sprintf("%v\n%s", p.value, p.stack) }
