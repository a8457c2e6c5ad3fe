//! The bare-metal side: output and arguments over semihosting (the debugger or QEMU prints
//! them on the host), exit codes, and the stack's high-water mark.

use core::fmt;
use core::panic::PanicInfo;

use cortex_m_semihosting::{debug, hio, nr};

/// Writes to the host's standard output over semihosting.
pub struct HostOut(hio::HostStream);

impl HostOut {
    pub fn new() -> Option<HostOut> {
        hio::hstdout().ok().map(HostOut)
    }
}

impl fmt::Write for HostOut {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.write_all(s.as_bytes()).map_err(|_| fmt::Error)
    }
}

/// Ends the program (QEMU exits with status 0 or 1).
pub fn exit(success: bool) -> ! {
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Without a debugger attached the call returns: halt.
    loop {
        cortex_m::asm::bkpt();
    }
}

/// The command line the host passed (`-semihosting-config …,arg=…`), in `buf`.
pub fn command_line(buf: &mut [u8]) -> &str {
    let mut block = [buf.as_mut_ptr() as usize, buf.len()];
    // SAFETY: SYS_GET_CMDLINE writes at most `block[1]` bytes to `block[0]` (our buffer) and
    // the length into `block[1]`.
    let status =
        unsafe { cortex_m_semihosting::syscall1(nr::GET_CMDLINE, block.as_mut_ptr() as usize) };
    let len = if status == 0 {
        block[1].min(buf.len())
    } else {
        0
    };
    core::str::from_utf8(buf.get(..len).unwrap_or_default()).unwrap_or("")
}

const PAINT: u32 = 0xC0DE_5AFE;

unsafe extern "C" {
    /// End of the statics (cortex-m-rt's link.x): the stack may grow down to here.
    static __sheap: u32;
    /// Top of RAM: the initial stack pointer.
    static _stack_start: u32;
}

fn stack_bounds() -> (usize, usize) {
    (
        core::ptr::addr_of!(__sheap) as usize,
        core::ptr::addr_of!(_stack_start) as usize,
    )
}

/// Fills the free stack below the caller with a pattern, for [`stack_used`].
#[inline(never)]
pub fn paint_stack() {
    let (bottom, _) = stack_bounds();
    let sp = cortex_m::register::msp::read() as usize;
    let mut a = bottom.next_multiple_of(4);
    // 64 bytes of margin below this function's own frame.
    while a + 64 < sp {
        // SAFETY: between the end of the statics and the stack pointer nothing is live.
        unsafe { core::ptr::write_volatile(a as *mut u32, PAINT) };
        a += 4;
    }
}

/// Bytes of stack ever used since [`paint_stack`]: from the top of RAM down to the lowest
/// word whose paint was overwritten.
pub fn stack_used() -> usize {
    let (bottom, top) = stack_bounds();
    let mut a = bottom.next_multiple_of(4);
    // SAFETY: reads of RAM between the statics and the top of the stack.
    while a < top && unsafe { core::ptr::read_volatile(a as *const u32) } == PAINT {
        a += 4;
    }
    top - a
}

/// Where RAM starts on both boards (and most Cortex-M parts).
pub const RAM_START: usize = 0x2000_0000;

/// How RAM is used: statics (start of RAM to the end of `.bss`), the stack's high-water mark,
/// and the whole RAM. If the stack ever reached the statics, `stack_used` reads the whole
/// gap, so `statics + stack == ram` flags an overflow (the Cortex-M0 has no stack guard).
pub struct RamUse {
    pub statics: usize,
    pub stack: usize,
    pub ram: usize,
}

pub fn ram_use() -> RamUse {
    let (bottom, top) = stack_bounds();
    RamUse {
        statics: bottom - RAM_START,
        stack: stack_used(),
        ram: top - RAM_START,
    }
}

impl RamUse {
    /// Whether the stack stayed clear of the statics, with 256 bytes to spare.
    pub fn fits(&self) -> bool {
        self.statics + self.stack + 256 <= self.ram
    }
}

/// A panic is a bug (the runtime returns errors for bad input): say so and exit with failure,
/// without formatting (which would pull `core::fmt` into every firmware).
#[panic_handler]
fn on_panic(_: &PanicInfo<'_>) -> ! {
    if let Ok(mut out) = hio::hstdout() {
        let _ = out.write_all(b"panic: a bug in the firmware or the runtime\n");
    }
    exit(false)
}
