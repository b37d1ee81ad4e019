"""kill_matrix"""
