//! `Memory`, with the buffer protocol: `memoryview(memory)` is a view of
//! the guest's bytes, without copying.

use std::ffi::{c_int, c_void};

use pyo3::exceptions::{PyBufferError, PyIndexError};
use pyo3::ffi;
use pyo3::prelude::*;

use crate::errors::IntoPyResult;
use crate::store::StoreRef;
use crate::types::MemoryType;

/// A linear memory: exported by an instance.
///
/// `read`/`write` copy bytes; `memoryview(memory)` (or `bytes(memory)`,
/// `numpy.frombuffer(memory, ...)`) reaches them directly. While a view is
/// alive, no memory of the store grows beyond the size it had when the
/// view was taken (the guest's `memory.grow` returns -1, `grow` raises
/// `BufferError`), since growing may move it; release views
/// (`view.release()` or a `with` block) before running code that grows
/// memory.
#[pyclass(module = "wisp", unsendable)]
#[derive(Debug)]
pub struct Memory {
    pub(crate) store: StoreRef,
    pub(crate) memory: wisp::Memory,
}

#[pymethods]
impl Memory {
    /// The memory's type.
    #[getter]
    fn r#type(&self) -> PyResult<MemoryType> {
        self.store.with(|ctx| MemoryType { ty: self.memory.ty(&ctx) })
    }

    /// The size in pages (of 64 KiB).
    fn size(&self) -> PyResult<u64> {
        self.store.with(|ctx| self.memory.size(&ctx))
    }

    /// The size in bytes.
    fn data_size(&self) -> PyResult<usize> {
        self.store.with(|ctx| self.memory.data_size(&ctx))
    }

    fn __len__(&self) -> PyResult<usize> {
        self.data_size()
    }

    /// Grows the memory by `delta` pages; returns the previous size.
    fn grow(&self, delta: u64) -> PyResult<u64> {
        if self.store.has_views() && delta > 0 {
            return Err(PyBufferError::new_err(
                "cannot grow a memory while views of the store's memories are alive",
            ));
        }
        self.store.with(|ctx| self.memory.grow(ctx, delta).py())?
    }

    /// A copy of `length` bytes from `offset`; raises IndexError beyond
    /// the end.
    fn read(&self, offset: usize, length: usize) -> PyResult<Vec<u8>> {
        self.store.with(|ctx| {
            let mut buf = vec![0; length];
            self.memory
                .read(&ctx, offset, &mut buf)
                .map_err(|_| PyIndexError::new_err("out of bounds memory access"))?;
            Ok(buf)
        })?
    }

    /// Copies `data` to `offset`; raises IndexError beyond the end.
    fn write(&self, offset: usize, data: &[u8]) -> PyResult<()> {
        self.store.with(|ctx| {
            self.memory
                .write(ctx, offset, data)
                .map_err(|_| PyIndexError::new_err("out of bounds memory access"))
        })?
    }

    /// Exports the memory's bytes, writable, to a `memoryview`.
    ///
    /// # Safety
    /// Called by Python with a `view` to fill.
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        let this = slf.borrow();
        let (ptr, len) = this.store.with(|ctx| {
            let data = this.memory.data_mut(ctx);
            (data.as_mut_ptr(), data.len())
        })?;
        this.store.pin(len)?;
        let len = isize::try_from(len).map_err(|_| PyBufferError::new_err("memory too large"))?;
        // SAFETY: `view` is the buffer Python asked us to fill. `ptr..len`
        // is the memory's accessible data, and stays so while the view
        // lives: the store lives as long as this object, which the view
        // references (`obj`), and `pin` keeps every memory of the store
        // from growing, the only change that can move or unmap it, until
        // `__releasebuffer__`. Wasm memories never shrink.
        let filled = unsafe {
            ffi::PyBuffer_FillInfo(view, slf.as_ptr(), ptr.cast::<c_void>(), len, 0, flags)
        };
        if filled == -1 {
            this.store.unpin();
            return Err(PyErr::fetch(slf.py()));
        }
        Ok(())
    }

    /// Ends a view made by `__getbuffer__`.
    ///
    /// # Safety
    /// Called by Python once per successful `__getbuffer__`.
    unsafe fn __releasebuffer__(&self, _view: *mut ffi::Py_buffer) {
        self.store.unpin();
    }
}
