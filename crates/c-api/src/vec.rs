//! `wasm_X_vec_t`: a length and a pointer, allocated here.

use std::mem::MaybeUninit;

/// The layout of every `wasm_X_vec_t`: `size` elements at `data`.
///
/// A vector the caller owns was allocated by this library (as a boxed
/// slice), so dropping it frees it; vectors C builds itself (such as
/// `WASM_ARRAY_VEC`) are only ever borrowed here.
#[repr(C)]
#[derive(Debug)]
pub struct Vector<T> {
    size: usize,
    data: *mut T,
}

impl<T> Default for Vector<T> {
    fn default() -> Self {
        Self { size: 0, data: std::ptr::null_mut() }
    }
}

impl<T> Vector<T> {
    pub(crate) fn from_vec(v: Vec<T>) -> Self {
        if v.is_empty() {
            return Self::default();
        }
        let size = v.len();
        let data = Box::into_raw(v.into_boxed_slice()).cast::<T>();
        Self { size, data }
    }

    pub(crate) fn as_slice(&self) -> &[T] {
        if self.data.is_null() || self.size == 0 {
            return &[];
        }
        // SAFETY: a vector describes `size` initialized elements at `data`,
        // whether allocated here or built by the C caller (the API's
        // contract for every `wasm_X_vec_t` argument).
        unsafe { std::slice::from_raw_parts(self.data, self.size) }
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        if self.data.is_null() || self.size == 0 {
            return &mut [];
        }
        // SAFETY: as in `as_slice`; `&mut self` makes the access unique.
        unsafe { std::slice::from_raw_parts_mut(self.data, self.size) }
    }

    /// The elements, leaving this vector empty. Only for vectors this
    /// library allocated (those passed as `own`).
    pub(crate) fn take(&mut self) -> Vec<T> {
        let (size, data) = (self.size, self.data);
        self.size = 0;
        self.data = std::ptr::null_mut();
        if data.is_null() || size == 0 {
            return Vec::new();
        }
        // SAFETY: `own` vectors were allocated by `from_vec` as a boxed
        // slice of exactly `size` elements, and this vector no longer
        // points to it, so the allocation is freed once, by the `Vec`.
        unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(data, size)).into_vec() }
    }
}

impl<T> Drop for Vector<T> {
    fn drop(&mut self) {
        drop(self.take());
    }
}

impl<T: Clone> Clone for Vector<T> {
    fn clone(&self) -> Self {
        Self::from_vec(self.as_slice().to_vec())
    }
}

/// Moves `n` elements out of a C array into a new vector.
///
/// # Safety
/// `data` points to `n` initialized elements whose ownership the caller
/// gives up (the `own` elements of `wasm_X_vec_new`).
pub(crate) unsafe fn vec_from_raw<T>(n: usize, data: *const T) -> Vector<T> {
    if n == 0 || data.is_null() {
        return Vector::default();
    }
    // SAFETY: the caller's contract: `n` elements at `data`, now ours.
    let v = (0..n).map(|i| unsafe { std::ptr::read(data.add(i)) }).collect();
    Vector::from_vec(v)
}

/// Writes a new vector to an out-parameter without reading what was there.
pub(crate) fn write_out<T>(out: Option<&mut MaybeUninit<Vector<T>>>, v: Vec<T>) {
    if let Some(out) = out {
        out.write(Vector::from_vec(v));
    }
}

/// The five functions of `wasm_<name>_vec_t` over element type `$elem`,
/// whose elements are deep-copied by `Clone`.
macro_rules! declare_vec {
    ($vec:ident, $elem:ty, $new_empty:ident, $new_uninit:ident, $new:ident, $copy:ident, $delete:ident) => {
        #[doc = concat!("`", stringify!($vec), "`.")]
        pub type $vec = $crate::vec::Vector<$elem>;

        #[unsafe(no_mangle)]
        pub extern "C" fn $new_empty(out: Option<&mut std::mem::MaybeUninit<$vec>>) {
            $crate::vec::write_out(out, Vec::new());
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn $new_uninit(out: Option<&mut std::mem::MaybeUninit<$vec>>, size: usize) {
            let v = (0..size).map(|_| <$elem as $crate::vec::Blank>::blank()).collect();
            $crate::vec::write_out(out, v);
        }

        /// # Safety
        /// `data` points to `size` elements, which the vector takes over.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $new(
            out: Option<&mut std::mem::MaybeUninit<$vec>>,
            size: usize,
            data: *const $elem,
        ) {
            if let Some(out) = out {
                // SAFETY: the C contract of `wasm_X_vec_new` (see above).
                out.write(unsafe { $crate::vec::vec_from_raw(size, data) });
            }
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn $copy(out: Option<&mut std::mem::MaybeUninit<$vec>>, src: Option<&$vec>) {
            let v = src.map(|s| s.as_slice().to_vec()).unwrap_or_default();
            $crate::vec::write_out(out, v);
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn $delete(v: Option<&mut $vec>) {
            if let Some(v) = v {
                drop(v.take());
            }
        }
    };
}
pub(crate) use declare_vec;

/// What `wasm_X_vec_new_uninitialized` fills a vector with: a value that
/// is safe to drop and to overwrite.
pub(crate) trait Blank {
    fn blank() -> Self;
}

impl<T> Blank for Option<T> {
    fn blank() -> Self {
        None
    }
}

impl Blank for u8 {
    fn blank() -> Self {
        0
    }
}

declare_vec!(
    wasm_byte_vec_t,
    u8,
    wasm_byte_vec_new_empty,
    wasm_byte_vec_new_uninitialized,
    wasm_byte_vec_new,
    wasm_byte_vec_copy,
    wasm_byte_vec_delete
);

impl Vector<u8> {
    /// A name from a string (no terminating NUL).
    pub(crate) fn from_str(s: &str) -> Self {
        Self::from_vec(s.as_bytes().to_vec())
    }

    /// A message from a string: its bytes and a terminating NUL.
    pub(crate) fn message(s: &str) -> Self {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        Self::from_vec(v)
    }

    /// The bytes as text, without a terminating NUL if there is one.
    pub(crate) fn to_text(&self) -> String {
        let b = self.as_slice();
        let b = b.strip_suffix(&[0]).unwrap_or(b);
        String::from_utf8_lossy(b).into_owned()
    }
}
