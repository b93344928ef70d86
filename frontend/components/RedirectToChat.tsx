"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";

/** Sends "/" to the chat page. */
export function RedirectToChat() {
  const router = useRouter();
  useEffect(() => {
    router.replace("/chatkit/");
  }, [router]);
  return null;
}
