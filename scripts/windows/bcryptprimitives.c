/* Wine 8 (Debian 12) has no bcryptprimitives.dll; Rust's std (1.78+) takes its randomness from
   ProcessPrng there. This stand-in answers it from RtlGenRandom, which Wine has. Test use only. */
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  while (length > 0) {
    ULONG chunk = length > 0x7fffffff ? 0x7fffffff : (ULONG)length;
    if (!SystemFunction036(data, chunk)) return FALSE;
    data += chunk;
    length -= chunk;
  }
  return TRUE;
}
