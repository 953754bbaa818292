// The reverse plugin: the input's characters (UTF-8 sequences) in reverse
// order. Built with `--runtime stub`: `heap.alloc` never frees, which is
// what a plugin instantiated for one call needs.

export function alloc(len: i32): i32 {
  return <i32>heap.alloc(<usize>len);
}

export function transform(ptr: i32, len: i32): i64 {
  const out = <i32>heap.alloc(<usize>len);
  let end = out + len;
  let i = 0;
  while (i < len) {
    let n = 1;
    while (i + n < len && (load<u8>(ptr + i + n) & 0xc0) == 0x80) n++;
    end -= n;
    memory.copy(end, ptr + i, n);
    i += n;
  }
  return (i64(out) << 32) | i64(len);
}
