package load

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuMark is the CPU time the load tool and the server under test had used
// when a measured window began.
type cpuMark struct {
	started   bool
	tool      time.Duration
	server    time.Duration
	serverOK  bool
	serverPID int
}

func startCPU(serverPID int) cpuMark {
	server, ok := procCPU(serverPID)
	return cpuMark{started: true, tool: toolCPU(), server: server, serverOK: ok, serverPID: serverPID}
}

// finish records the CPU each side spent per operation since the mark: the
// tool's share is what it takes from the server on a shared host.
func (m cpuMark) finish(r *Result, ops int64) {
	if ops <= 0 {
		return
	}
	if t := toolCPU(); t > 0 {
		r.ToolCPUPerOp = float64((t - m.tool).Microseconds()) / float64(ops)
	}
	if m.serverOK {
		if s, ok := procCPU(m.serverPID); ok {
			r.ServerCPUPerOp = float64((s - m.server).Microseconds()) / float64(ops)
		}
	}
}

// toolCPU is this process's user and system CPU time.
func toolCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// clockTick is Linux's USER_HZ, the unit of /proc/<pid>/stat's CPU times
// (100 on every mainstream architecture).
const clockTick = 10 * time.Millisecond

// procCPU reads a process's user and system CPU time from /proc.
func procCPU(pid int) (time.Duration, bool) {
	if pid <= 0 {
		return 0, false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name (field 2) may hold spaces; fields count from after it.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(ut+st) * clockTick, true
}
