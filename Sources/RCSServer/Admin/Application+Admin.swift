import Leaf
import Vapor

extension Application {
    private struct AdminSessionsKey: StorageKey { typealias Value = AdminSessionStore }
    private struct AdminAssetsKey: StorageKey { typealias Value = AdminAssets }

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
    }
}
