import Link from "next/link";
import { RedirectToChat } from "@/components/RedirectToChat";

export default function Home() {
  return (
    <main className="home">
      <RedirectToChat />
      <h1>TaskPilot AI</h1>
      <p>
        <Link href="/chatkit/">Open the task chat</Link>
      </p>
    </main>
  );
}
