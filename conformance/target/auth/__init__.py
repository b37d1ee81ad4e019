"""target/auth"""
