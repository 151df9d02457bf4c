import Leaf
import Vapor

extension Application {
    private struct AdminSessionsKey: StorageKey { typealias Value = AdminSessionStore }
    private struct AdminAssetsKey: StorageKey { typealias Value = AdminAssets }
    private struct DummyHashKey: StorageKey { typealias Value = String }

    /// A bcrypt, at the configured cost, of a random string nobody knows: the
    /// login checks it for unknown usernames so timing does not tell names apart.
    var adminDummyHash: String {
        get { storage[DummyHashKey.self]! }
        set { storage[DummyHashKey.self] = newValue }
    }

    var adminSessions: AdminSessionStore {
        get { storage[AdminSessionsKey.self]! }
        set { storage[AdminSessionsKey.self] = newValue }
    }

    var adminAssets: AdminAssets {
        get { storage[AdminAssetsKey.self]! }
        set { storage[AdminAssetsKey.self] = newValue }
    }

    /// Leaf over `Templates/`, the assets of `Public/`, and an empty session store.
    func configureAdminPages(environment: [String: String]) throws {
        let directory = try WebResources.directory(environment: environment)
        views.use(.leaf)
        self.directory.viewsDirectory = "\(directory)/Templates/"
        adminAssets = try AdminAssets(directory: "\(directory)/Public")
        adminSessions = AdminSessionStore()
        adminDummyHash = try password.hash(try AdminSessionStore.randomToken())
    }
}
