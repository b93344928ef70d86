import type { Metadata } from "next";
import { ChatApp } from "@/components/ChatApp";

export const metadata: Metadata = { title: "TaskPilot AI Chat" };

export default function ChatKitPage() {
  return <ChatApp />;
}
