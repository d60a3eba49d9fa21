// Free loopback ports: bind port 0, read what the kernel chose, release it. Another process could
// grab it in between, but on a test machine that window is small enough. Several ports are probed
// at once so they are distinct.
import { createServer, type Server } from "node:net"

export const LOOPBACK = "127.0.0.1"

const probe = (): Promise<{ server: Server; port: number }> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once("error", reject)
    server.listen(0, LOOPBACK, () => {
      const address = server.address()
      if (address !== null && typeof address === "object") resolve({ server, port: address.port })
      else reject(new Error("could not read the port of a probe socket"))
    })
  })

export const freePorts = async (count: number): Promise<number[]> => {
  const probes = await Promise.all(Array.from({ length: count }, probe))
  await Promise.all(probes.map(({ server }) => new Promise((resolve) => server.close(resolve))))
  return probes.map(({ port }) => port)
}
